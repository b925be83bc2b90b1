// The extension's HTTP API (HttpApiHandler) on the host port, under both /runtime/webhooks/durabletask/
// (public webhook URLs) and /durabletask/ (the rpcBaseUrl the SDK's DurableClient uses).
import type { IncomingMessage, ServerResponse } from "node:http";
import { managementUrls } from "./clientBinding";
import { type DurableEngine, EngineError } from "./engine";
import { type InstanceRecord, isRunning, type RuntimeStatus } from "./instance";
import { statusPayload } from "./status";

const PREFIXES = ["/runtime/webhooks/durabletask/", "/durabletask/"];

export class DurableHttpApi {
  readonly #engine: DurableEngine;

  constructor(engine: DurableEngine) {
    this.#engine = engine;
  }

  /** Returns false when the path is not a durable API path. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): Promise<boolean> {
    const prefix = PREFIXES.find((p) => url.pathname.startsWith(p));
    if (!prefix) return false;
    const parts = url.pathname.slice(prefix.length).split("/").map(decodeURIComponent);
    const method = (req.method ?? "GET").toUpperCase();
    try {
      await this.#route(method, parts, url, body, res);
    } catch (error) {
      const status = error instanceof EngineError ? error.status : 500;
      const message = error instanceof Error ? error.message : String(error);
      sendJson(res, status === 409 ? 500 : status, { Message: message });
    }
    return true;
  }

  async #route(method: string, parts: string[], url: URL, body: Buffer, res: ServerResponse): Promise<void> {
    const [root, id, action, extra] = parts;
    if (root === "orchestrators" && method === "POST" && id) {
      const input = jsonBody(body);
      const record = await this.#engine.startNew(id, action || undefined, input);
      const links = this.#links(url, record.instanceId);
      sendJson(res, 202, links, { Location: links.statusQueryGetUri ?? "" });
      return;
    }
    if (root !== "instances") return sendJson(res, 404, { Message: "Not found" });
    if (!id) return this.#collection(method, url, res);
    if (method === "GET" && !action) return this.#status(id, url, res);
    if (method === "DELETE" && !action) {
      const deleted = await this.#engine.purge(id);
      return deleted > 0 ? sendJson(res, 200, { instancesDeleted: deleted }) : sendJson(res, 404, {});
    }
    if (method === "POST" && action === "raiseEvent" && extra) {
      await this.#engine.raiseEvent(id, extra, jsonBody(body));
      return sendJson(res, 202, null);
    }
    if (method === "POST" && action === "terminate") {
      await this.#engine.terminate(id, url.searchParams.get("reason") ?? "");
      return sendJson(res, 202, null);
    }
    sendJson(res, 501, { Message: `'${action}' is not supported by the local runtime.` });
  }

  #status(id: string, url: URL, res: ServerResponse): void {
    const record = this.#engine.get(id);
    if (!record) {
      sendJson(res, 404, null);
      return;
    }
    const payload = statusPayload(record, statusOptions(url));
    if (!isRunning(record)) {
      sendJson(res, 200, payload);
      return;
    }
    const location = this.#links(url, id).statusQueryGetUri ?? "";
    sendJson(res, 202, payload, { Location: location, "Retry-After": "5" });
  }

  async #collection(method: string, url: URL, res: ServerResponse): Promise<void> {
    const matches = this.#engine.list().filter((r) => matchesFilter(r, url.searchParams));
    if (method === "GET") {
      const options = statusOptions(url);
      return sendJson(
        res,
        200,
        matches.map((r) => statusPayload(r, options)),
      );
    }
    if (method === "DELETE") {
      let deleted = 0;
      for (const record of matches) deleted += await this.#engine.purge(record.instanceId);
      return deleted > 0 ? sendJson(res, 200, { instancesDeleted: deleted }) : sendJson(res, 404, {});
    }
    sendJson(res, 405, null);
  }

  #links(url: URL, instanceId: string): Record<string, string> {
    return managementUrls(`${url.origin}/runtime/webhooks/durabletask`, instanceId, this.#engine.hubName);
  }
}

function statusOptions(url: URL) {
  const flag = (name: string, fallback: boolean) => {
    const value = url.searchParams.get(name);
    return value === null ? fallback : value.toLowerCase() === "true";
  };
  return {
    showInput: flag("showInput", true),
    showHistory: flag("showHistory", false),
    showHistoryOutput: flag("showHistoryOutput", false),
  };
}

function matchesFilter(record: InstanceRecord, query: URLSearchParams): boolean {
  const from = query.get("createdTimeFrom");
  const to = query.get("createdTimeTo");
  const statuses = query.get("runtimeStatus");
  if (from && record.createdTime < new Date(from).toISOString()) return false;
  if (to && record.createdTime > new Date(to).toISOString()) return false;
  if (statuses && !statuses.split(",").includes(record.status as RuntimeStatus)) return false;
  return true;
}

/** Request body as JSON text (null when empty); bodies that are not JSON are rejected with 400. */
function jsonBody(body: Buffer): string | null {
  const text = body.toString("utf8").trim();
  if (text === "") return null;
  try {
    JSON.parse(text);
  } catch {
    throw new EngineError(400, "The request body is not valid JSON.");
  }
  return text;
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = body === null ? "" : JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", ...headers }).end(text);
}

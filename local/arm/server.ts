// The stand-in's HTTPS front: bearer check (any token), JSON bodies, routing, ARM's error shape,
// request ids, per-operation counts, and a small control API under /__armstandin/.
import { randomUUID } from "node:crypto";
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { Reply, StandInContext } from "./context";
import { ArmError } from "./errors";
import { route } from "./router";

const MAX_BODY = 1024 * 1024;

export interface ServerDeps {
  ctx: StandInContext;
  certPem: string;
  keyPem: string;
  /** Handles /__armstandin/... requests; returns undefined for unknown control paths. */
  control(method: string, path: string, body: unknown): Promise<Reply | undefined>;
  count(operation: string): void;
  /** An injected fault for this operation, if one is armed. */
  fault(operation: string): { kind: "http" | "lroFailed"; error: ArmError } | undefined;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new ArmError(413, "RequestEntityTooLarge", "The request body is too large."));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function parseJson(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString("utf8")) as unknown;
  } catch (error) {
    throw new ArmError(
      400,
      "InvalidRequestContent",
      `The request content was invalid and could not be deserialized: ${(error as Error).message}`,
    );
  }
}

function send(req: IncomingMessage, res: ServerResponse, reply: Reply): void {
  const requestId = randomUUID();
  const headers: OutgoingHttpHeaders = {
    "x-ms-request-id": requestId,
    "x-ms-correlation-request-id": String(req.headers["x-ms-client-request-id"] ?? requestId),
    ...(req.headers["x-ms-client-request-id"]
      ? { "x-ms-client-request-id": String(req.headers["x-ms-client-request-id"]) }
      : {}),
    ...reply.headers,
  };
  if (reply.body === undefined || req.method === "HEAD") {
    res.writeHead(reply.status, { ...headers, "content-length": 0 });
    res.end();
    return;
  }
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    ...headers,
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

function errorReply(error: unknown, log: (line: string) => void): Reply {
  if (error instanceof ArmError) return { status: error.status, body: error.body(), headers: error.headers };
  log(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  const message = error instanceof Error ? error.message : String(error);
  return { status: 500, body: { error: { code: "InternalServerError", message } } };
}

async function handle(deps: ServerDeps, req: IncomingMessage): Promise<Reply> {
  const url = new URL(req.url ?? "/", "https://stand-in");
  const method = (req.method ?? "GET").toUpperCase();
  const body = parseJson(await readBody(req));
  if (url.pathname.startsWith("/__armstandin/")) {
    const reply = await deps.control(method, url.pathname, body);
    if (reply !== undefined) return reply;
    throw new ArmError(404, "NotFound", `No control endpoint ${method} ${url.pathname}.`);
  }
  const auth = req.headers.authorization ?? "";
  if (!/^Bearer\s+\S+/i.test(auth)) {
    const message =
      auth === ""
        ? "Authentication failed. The 'Authorization' header is missing."
        : "Authentication failed. The 'Authorization' header is provided in an invalid format.";
    throw new ArmError(401, "AuthenticationFailed", message);
  }
  const segments = url.pathname
    .split("/")
    .filter((part) => part !== "")
    .map((part) => decodeURIComponent(part));
  const routed = route(deps.ctx, { method, segments, query: url.searchParams, body });
  deps.count(routed.name);
  const fault = deps.fault(routed.name);
  if (fault?.kind === "http") throw fault.error;
  if (fault?.kind === "lroFailed") {
    const { error } = fault;
    return deps.ctx.store.exclusive(async () => deps.ctx.ops.accept({ error }));
  }
  return routed.run();
}

export function createStandInServer(deps: ServerDeps): Server {
  return createServer({ key: deps.keyPem, cert: deps.certPem }, (req, res) => {
    handle(deps, req)
      .catch((error: unknown) => errorReply(error, deps.ctx.log))
      .then((reply) => send(req, res, reply))
      .catch(() => res.destroy());
  });
}

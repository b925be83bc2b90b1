// Requests from the proxy to Azurite: streamed pass-through of a client request, and buffered
// side requests (probes, signed reads and writes) made by the handlers.
import { type IncomingMessage, type OutgoingHttpHeaders, request, type ServerResponse } from "node:http";
import type { Readable } from "node:stream";
import type { ProxyContext, Upstream } from "./context";
import { fixError, needsErrorFix } from "./errorFixups";
import { endToEndHeaders, sendServiceError } from "./httpUtil";

export interface ForwardOptions {
  /** Called with Azurite's status and headers before they are relayed (journal, ETag guard). */
  onResponse?: (status: number, headers: IncomingMessage["headers"]) => void;
  /** Count the request body as bytesIn of the request's kind (default true). */
  countBytesIn?: boolean;
}

/** Relays the client's request to Azurite unchanged (Host included) and streams the answer back. */
export function forward(ctx: ProxyContext, options: ForwardOptions = {}): Promise<number> {
  const { req, res, stats, path, kind } = ctx;
  return new Promise((resolve) => {
    const upstreamReq = request({
      host: ctx.upstream.host,
      port: ctx.upstream.port,
      agent: ctx.upstream.agent,
      method: req.method,
      path: req.url,
      headers: endToEndHeaders(req.headers),
    });
    if (options.countBytesIn !== false) {
      req.on("data", (chunk: Buffer) => stats.addBytesIn(path, kind, chunk.length));
    }
    upstreamReq.on("response", (upstreamRes) => {
      const status = upstreamRes.statusCode ?? 502;
      options.onResponse?.(status, upstreamRes.headers);
      if (needsErrorFix(status, upstreamRes.headers)) {
        relayFixedError(upstreamRes, res).then(
          () => resolve(status),
          () => {
            res.destroy();
            resolve(502);
          },
        );
        return;
      }
      res.writeHead(status, upstreamRes.statusMessage, endToEndHeaders(upstreamRes.headers));
      upstreamRes.on("data", (chunk: Buffer) => stats.addBytesOut(path, kind, chunk.length));
      upstreamRes.pipe(res);
      upstreamRes.on("end", () => resolve(status));
      upstreamRes.on("error", () => {
        res.destroy();
        resolve(502);
      });
    });
    upstreamReq.on("error", (error) => {
      if (!res.headersSent)
        sendServiceError(req, res, 502, "InternalError", `Emulator backend: ${error.message}`);
      else res.destroy();
      resolve(502);
    });
    res.on("close", () => {
      if (!res.writableFinished) upstreamReq.destroy();
    });
    req.pipe(upstreamReq);
  });
}

async function relayFixedError(upstreamRes: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of upstreamRes) chunks.push(chunk as Buffer);
  const headers = { ...upstreamRes.headers };
  const body = fixError(headers, Buffer.concat(chunks));
  res.writeHead(upstreamRes.statusCode ?? 500, endToEndHeaders(headers));
  res.end(body);
}

export interface UpstreamResponse {
  status: number;
  headers: IncomingMessage["headers"];
  body: Buffer;
}

export interface SideRequest {
  method: string;
  path: string;
  headers: OutgoingHttpHeaders;
  body?: Buffer | Readable;
  /** Refuse bodies over this size (bytes); side requests are bounded. */
  maxResponseBytes?: number;
}

/** A buffered request to Azurite, used by handlers for probes and their own signed operations. */
export function upstreamRequest(upstream: Upstream, side: SideRequest): Promise<UpstreamResponse> {
  const limit = side.maxResponseBytes ?? 64 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    const req = request({
      host: upstream.host,
      port: upstream.port,
      agent: upstream.agent,
      method: side.method,
      path: side.path,
      headers: side.headers,
    });
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > limit) {
          res.destroy(new Error(`upstream response over ${limit} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on("error", reject);
    });
    req.on("error", reject);
    if (side.body === undefined) req.end();
    else if (Buffer.isBuffer(side.body)) req.end(side.body);
    else side.body.pipe(req);
  });
}

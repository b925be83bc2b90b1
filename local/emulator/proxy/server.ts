// The public blob endpoint: a Host-preserving pass-through to Azurite, with fault injection,
// counters and the control API, and handlers for the operations Azurite lacks or gets wrong.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { CONTROL_PREFIX, type ControlState, handleControl } from "../controlApi";
import type { FaultInjector } from "../faults";
import { rejectOverlongBlobName } from "../limits";
import type { StatsRegistry } from "../stats";
import type { Throttle } from "../throttle";
import { classify, type OperationKind, parseAddress } from "./classify";
import type { ProxyContext, Upstream } from "./context";
import { drain, sendServiceError } from "./httpUtil";
import { forward } from "./upstream";

export type OperationHandler = (ctx: ProxyContext) => Promise<void>;

export interface ProxyOptions {
  upstream: Upstream;
  stats: StatsRegistry;
  faults: FaultInjector;
  /** The Azure-shaped throttle profile (latency, per-blob and per-account targets), when switched on. */
  throttle?: Throttle;
  handlers: Partial<Record<OperationKind, OperationHandler>>;
  controlExtra?: ControlState["extra"];
  log: (line: string) => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Returns true when the request was answered by an injected fault. */
async function injectFault(ctx: ProxyContext, faults: FaultInjector): Promise<boolean> {
  const decision = faults.decide(ctx.kind, ctx.path, ctx.url.searchParams);
  if (decision.latencyMs > 0) await sleep(decision.latencyMs);
  switch (decision.terminal) {
    case undefined:
      return false;
    case "dropConnection":
      ctx.req.socket.destroy();
      return true;
    case "serverBusy":
      await drain(ctx.req);
      sendServiceError(
        ctx.req,
        ctx.res,
        503,
        "ServerBusy",
        "The server is currently unable to receive requests. Please retry your request.",
      );
      return true;
    case "permissionDenied":
      await drain(ctx.req);
      sendServiceError(
        ctx.req,
        ctx.res,
        403,
        "AuthorizationPermissionMismatch",
        "This request is not authorized to perform this operation using this permission.",
      );
      return true;
    case "operationTimedOut":
      await drain(ctx.req);
      sendServiceError(
        ctx.req,
        ctx.res,
        500,
        "OperationTimedOut",
        "The operation could not be completed within the permitted time.",
      );
      return true;
  }
}

export function createProxyServer(options: ProxyOptions): Server {
  const upstream = options.upstream;
  const control: ControlState = {
    stats: options.stats,
    faults: options.faults,
    throttle: options.throttle,
    extra: options.controlExtra,
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://emulator.invalid");
    if (url.pathname.startsWith(CONTROL_PREFIX)) return handleControl(req, res, url, control);
    const kind = classify(req.method ?? "GET", url, req.headers);
    const ctx: ProxyContext = {
      req,
      res,
      url,
      kind,
      address: parseAddress(url.pathname),
      path: url.pathname,
      stats: options.stats,
      upstream,
    };
    options.stats.countRequest(ctx.path, kind);
    if (await rejectOverlongBlobName(ctx)) return;
    if (options.throttle && (await options.throttle.admit(ctx))) return;
    if (await injectFault(ctx, options.faults)) return;
    const handler = options.handlers[kind];
    if (handler === undefined) {
      await forward(ctx);
      return;
    }
    await handler(ctx);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      options.log(`emulator proxy error on ${req.method} ${req.url}: ${message}`);
      if (!res.headersSent) sendServiceError(req, res, 500, "InternalError", "Emulator proxy error");
      else res.destroy();
    });
  });
  server.on("close", () => upstream.agent.destroy());
  return server;
}

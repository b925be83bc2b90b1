// The host's admin endpoint for running a non-HTTP function on demand:
// POST /admin/functions/{name} (Core Tools answers 202 and runs the function in the background).
import type { IncomingMessage, ServerResponse } from "node:http";
import type { RouteHandler } from "./http/server";
import type { TimerTriggers } from "./timers";

export function adminHandler(timers: TimerTriggers): RouteHandler {
  return async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const m = /^\/admin\/functions\/([^/]+)\/?$/i.exec(url.pathname);
    if (!m) return false;
    if ((req.method ?? "GET").toUpperCase() !== "POST") {
      res.writeHead(405).end();
      return true;
    }
    const started = timers.runNow(decodeURIComponent(m[1] ?? ""));
    res.writeHead(started ? 202 : 404).end();
    return true;
  };
}

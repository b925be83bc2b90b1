// The emulator's control API, served on the blob port under /__emulator/ and never forwarded.
import type { IncomingMessage, ServerResponse } from "node:http";
import { type FaultInjector, validateFaultRules } from "./faults";
import { readBody, sendJson } from "./proxy/httpUtil";
import type { StatsRegistry } from "./stats";
import type { Throttle } from "./throttle";

export const CONTROL_PREFIX = "/__emulator/";

export interface ControlState {
  stats: StatsRegistry;
  faults: FaultInjector;
  throttle?: Throttle | undefined;
  /** Extra endpoints contributed by features (for example the diff mode switch). */
  extra?: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;
}

async function putFaults(req: IncomingMessage, res: ServerResponse, state: ControlState): Promise<void> {
  const raw = JSON.parse((await readBody(req, 1024 * 1024)).toString("utf8")) as {
    rules?: unknown;
    seed?: unknown;
    scope?: unknown;
  };
  const rules = validateFaultRules(raw.rules ?? []);
  if (raw.seed !== undefined && typeof raw.seed !== "number") throw new Error("seed must be a number");
  if (raw.scope !== undefined && typeof raw.scope !== "string") throw new Error("scope must be a string");
  state.faults.configure(rules, raw.seed, raw.scope);
  sendJson(res, 200, { rules: rules.length });
}

export async function handleControl(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  state: ControlState,
) {
  const prefix = url.searchParams.get("prefix") ?? "";
  const route = `${req.method} ${url.pathname}`;
  try {
    switch (route) {
      case "GET /__emulator/stats":
        return sendJson(res, 200, state.stats.snapshot(prefix));
      case "POST /__emulator/stats/reset":
        state.stats.reset(prefix);
        state.throttle?.reset(prefix);
        return sendJson(res, 200, {});
      case "PUT /__emulator/faults":
        return await putFaults(req, res, state);
      case "GET /__emulator/faults":
        return sendJson(res, 200, state.faults.faultCounts(url.searchParams.get("scope") ?? undefined));
      case "GET /__emulator/health":
        return sendJson(res, 200, { ok: true });
      default:
        if (state.throttle !== undefined && (await state.throttle.control(req, res, url))) return;
        if (state.extra !== undefined && (await state.extra(req, res, url))) return;
        return sendJson(res, 404, { error: `unknown control endpoint ${route}` });
    }
  } catch (error) {
    sendJson(res, 400, { error: error instanceof Error ? error.message : String(error) });
  }
}

// Wires the page-blob features (journal, diff, paging, Put Page From URL, copy, limits) into
// proxy handlers per operation kind, and their control endpoints.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { FaultInjector } from "./faults";
import { createCopyHandler } from "./pages/copy";
import { CopyGate } from "./pages/copyGate";
import type { DiffStrategy } from "./pages/diff";
import { DiffCache } from "./pages/diffCache";
import { WriteJournal } from "./pages/journal";
import { createPageListHandler } from "./pages/pageListHandler";
import { PendingCopies, withPendingCopies } from "./pages/pendingCopies";
import { createPutPageFromUrlHandler } from "./pages/putPageFromUrl";
import { createWriteHandlers } from "./pages/writeTracking";
import { DEFAULT_PREMIUM_LIMITS, type PremiumLimits, PremiumSnapshots } from "./premium";
import type { OperationKind } from "./proxy/classify";
import type { Upstream } from "./proxy/context";
import { readBody, sendJson } from "./proxy/httpUtil";
import type { OperationHandler } from "./proxy/server";
import { SideClient } from "./proxy/sideClient";
import { accountKeys } from "./signer";
import type { Throttle } from "./throttle";

export type DiffMode = "journal" | "compare";

/** Two 4 MiB copies at once: the emulator's best in bench scenario 1 (see pages/copyGate.ts). */
const COPY_GATE_BYTES = 8 * 1024 * 1024;

export interface FeatureOptions {
  accounts: { name: string; key: string }[];
  diffMode: DiffMode;
  log: (line: string) => void;
  /** Source-side faults of Put Page From URL (operation kind `copySource`, matched on the source path). */
  faults?: FaultInjector;
  /** Server-side copies are held until the destination blob's throughput target absorbed them. */
  throttle?: Throttle;
}

export interface Features {
  handlers: Partial<Record<OperationKind, OperationHandler>>;
  control: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;
  /** Called once the ports are known. */
  attach(upstream: Upstream, localHosts: string[]): void;
}

export function createFeatures(options: FeatureOptions): Features {
  const journal = new WriteJournal();
  const cache = new DiffCache();
  const pendingCopies = new PendingCopies();
  let side: SideClient | undefined;
  let hosts: string[] = [];
  const sideClient = () => {
    if (side === undefined) throw new Error("emulator features used before attach()");
    return side;
  };
  // Diff mode per path prefix (longest match wins), so a test can force compare mode on its own
  // container while other tests share the emulator.
  const modes = new Map<string, DiffMode>([["", options.diffMode]]);
  const diffModeFor = (path: string): DiffMode => {
    let best = "";
    for (const prefix of modes.keys())
      if (path.startsWith(prefix) && prefix.length >= best.length) best = prefix;
    return modes.get(best) ?? options.diffMode;
  };
  const strategies = new Map<string, Record<DiffStrategy, number>>();
  const recordStrategy = (path: string, strategy: DiffStrategy) => {
    const counts = strategies.get(path) ?? { journal: 0, compare: 0, fallback: 0 };
    counts[strategy] += 1;
    strategies.set(path, counts);
  };
  const strategyTotals = (prefix: string) => {
    const total: Record<DiffStrategy, number> = { journal: 0, compare: 0, fallback: 0 };
    for (const [path, counts] of strategies) {
      if (!path.startsWith(prefix)) continue;
      for (const key of ["journal", "compare", "fallback"] as const) total[key] += counts[key];
    }
    return total;
  };
  const lazy = {
    get side() {
      return sideClient();
    },
    journal,
    cache,
    diffModeFor,
    recordStrategy,
    log: options.log,
    localHosts: () => hosts,
    faults: options.faults,
    throttle: options.throttle,
    keys: accountKeys(options.accounts),
    gate: new CopyGate(COPY_GATE_BYTES),
    pending: pendingCopies,
  };
  const pageList = createPageListHandler(lazy);
  const premium = new PremiumSnapshots();
  const writes = createWriteHandlers(journal, premium);
  const handlers = withPendingCopies(
    {
      ...writes,
      getPageRanges: pageList,
      getPageRangesDiff: pageList,
      putPageFromUrl: createPutPageFromUrlHandler(lazy),
      copyBlob: createCopyHandler(lazy),
    },
    pendingCopies,
    sideClient,
  );
  const control = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    if (url.pathname === "/__emulator/premium" && req.method === "PUT") {
      const body = JSON.parse((await readBody(req, 64 * 1024)).toString("utf8")) as Partial<PremiumLimits>;
      premium.limits = { ...DEFAULT_PREMIUM_LIMITS, ...body };
      sendJson(res, 200, premium.limits);
      return true;
    }
    if (url.pathname === "/__emulator/copy-pending" && req.method === "PUT") {
      const body = JSON.parse((await readBody(req, 64 * 1024)).toString("utf8")) as {
        delayMs?: unknown;
        prefix?: unknown;
      };
      if (typeof body.delayMs !== "number" || !(body.delayMs >= 0))
        throw new Error("delayMs must be a number of milliseconds, 0 or more");
      const prefix = typeof body.prefix === "string" ? body.prefix : "";
      pendingCopies.setDelay(prefix, body.delayMs);
      sendJson(res, 200, { prefix, delayMs: body.delayMs });
      return true;
    }
    if (url.pathname === "/__emulator/diff-stats" && req.method === "GET") {
      sendJson(res, 200, strategyTotals(url.searchParams.get("prefix") ?? ""));
      return true;
    }
    if (url.pathname !== "/__emulator/diff-mode") return false;
    if (req.method === "GET") {
      sendJson(res, 200, Object.fromEntries(modes));
      return true;
    }
    if (req.method !== "PUT") return false;
    const body = JSON.parse((await readBody(req, 64 * 1024)).toString("utf8")) as {
      mode?: unknown;
      prefix?: unknown;
    };
    if (body.mode !== "journal" && body.mode !== "compare")
      throw new Error("mode must be journal or compare");
    const prefix = typeof body.prefix === "string" ? body.prefix : "";
    modes.set(prefix, body.mode);
    sendJson(res, 200, Object.fromEntries(modes));
    return true;
  };
  return {
    handlers,
    control,
    attach: (upstream, localHosts) => {
      side = new SideClient(upstream, accountKeys(options.accounts));
      hosts = localHosts;
    },
  };
}

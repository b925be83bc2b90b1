// A premium storage account's snapshot limits, which Azurite does not enforce: one snapshot per blob
// per 10 minutes (409 SnaphotOperationRateExceeded, as the REST docs spell it; the JS enum spells it
// SnapshotOperationRateExceeded, so the spelling is settable) and at most 100 snapshots per blob (409
// SnapshotCountExceeded). Counts live in memory: a restart forgets them (a documented divergence).
import type { ProxyContext } from "./proxy/context";
import { drain, headerValue, sendServiceError } from "./proxy/httpUtil";
import { blobKey } from "./proxy/requestParts";

/** The emulator's premium account (the well-known key): its page blobs have the premium limits. */
export const PREMIUM_ACCOUNT = "devpremiumaccount";

export interface PremiumLimits {
  /** Minimum time between two snapshots of one blob (the service: 10 minutes). */
  snapshotIntervalMs: number;
  /** Snapshots one blob may have (the service: 100). */
  maxSnapshots: number;
  rateErrorCode: "SnaphotOperationRateExceeded" | "SnapshotOperationRateExceeded";
}

export const DEFAULT_PREMIUM_LIMITS: PremiumLimits = {
  snapshotIntervalMs: 10 * 60_000,
  maxSnapshots: 100,
  rateErrorCode: "SnaphotOperationRateExceeded",
};

export class PremiumSnapshots {
  limits: PremiumLimits = { ...DEFAULT_PREMIUM_LIMITS };
  private readonly snapshots = new Map<string, Set<string>>();
  private readonly lastTaken = new Map<string, number>();
  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  private applies(ctx: ProxyContext): boolean {
    return ctx.address.account === PREMIUM_ACCOUNT && ctx.address.blob !== undefined;
  }

  /** Answers 409 and returns true when this snapshot would break a limit. */
  async reject(ctx: ProxyContext): Promise<boolean> {
    if (!this.applies(ctx)) return false;
    const key = blobKey(ctx.address);
    const count = this.snapshots.get(key)?.size ?? 0;
    const last = this.lastTaken.get(key);
    let problem: [string, string] | undefined;
    if (count >= this.limits.maxSnapshots) {
      problem = ["SnapshotCountExceeded", "The snapshot count against this blob has been exceeded."];
    } else if (last !== undefined && this.now() - last < this.limits.snapshotIntervalMs) {
      problem = [this.limits.rateErrorCode, "The rate of snapshot blob calls is exceeded."];
    }
    if (!problem) return false;
    await drain(ctx.req);
    sendServiceError(ctx.req, ctx.res, 409, problem[0], problem[1]);
    return true;
  }

  taken(ctx: ProxyContext, snapshot: string | undefined): void {
    if (!this.applies(ctx) || snapshot === undefined) return;
    const key = blobKey(ctx.address);
    const set = this.snapshots.get(key) ?? new Set<string>();
    set.add(snapshot);
    this.snapshots.set(key, set);
    this.lastTaken.set(key, this.now());
  }

  deleted(ctx: ProxyContext): void {
    if (!this.applies(ctx)) return;
    const key = blobKey(ctx.address);
    const snapshot = ctx.url.searchParams.get("snapshot");
    if (snapshot !== null) this.snapshots.get(key)?.delete(snapshot);
    else if (headerValue(ctx.req.headers, "x-ms-delete-snapshots") !== undefined) this.snapshots.delete(key);
  }
}

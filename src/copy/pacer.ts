// Per-blob pacing, shared by every copy in this process that reads or writes the same blob: how many
// requests may be in flight against it (halved when the service says it is busy, crept back up on success:
// AIMD, like AzCopy's page-blob pacer) and how fast bytes and requests may start, kept just under the
// blob's scalability targets so the service has no reason to answer 503 (cut further when it does).
// In flight is counted in full-size requests: a small one takes a quarter of a slot at least, so ten
// 64 KiB ranges go out in one round trip instead of two, while the bytes in flight stay bounded.

export interface PacerOptions {
  /** Upper bound of concurrent requests (and the starting point). */
  maxConcurrency: number;
  /** Successes needed to allow one more concurrent request. */
  increaseAfter?: number;
  /** Pause after a busy signal; doubles with consecutive busy signals, capped by maxCooldownMs. */
  cooldownMs?: number;
  maxCooldownMs?: number;
  /** What the blob absorbs (the service's target: 60 MiB/s for a standard page blob); none: unpaced. */
  bytesPerSecond?: number | undefined;
  /** Requests per second the blob serves (the service's target: 500 for a standard page blob). */
  requestsPerSecond?: number | undefined;
  /** Clock (tests). */
  now?: () => number;
}

/** The size of a full-size request (a Put Page's 4 MiB): `maxConcurrency` counts requests of this size. */
export const FULL_REQUEST_BYTES = 4 * 1024 * 1024;
/**
 * Units per slot: a request of known size takes one unit per started MiB, at most a slot, so small ones go
 * up to four times as many in flight; a request of unknown size (0) takes a whole slot.
 */
export const SLOT_UNITS = 4;

/** The units a request of `bytes` takes (1 to SLOT_UNITS; a whole slot when its size is unknown). */
export function unitsOf(bytes: number): number {
  if (!(bytes > 0)) return SLOT_UNITS;
  return Math.min(SLOT_UNITS, Math.ceil((bytes * SLOT_UNITS) / FULL_REQUEST_BYTES));
}

interface Waiter {
  units: number;
  grant(): void;
}

/** Share of the targets the pacer starts requests at: under them, so arrival jitter stays inside. */
export const PACE_SHARE = 0.95;
/** Lowest share after busy signals, and the steps down (per busy signal) and up (per success). */
const MIN_SHARE = 0.25;
const SHARE_CUT = 0.85;
const SHARE_STEP = 0.02;

export class BlobPacer {
  /** In full-size slots. */
  private limit: number;
  private readonly max: number;
  /** In units (SLOT_UNITS per slot). */
  private inFlight = 0;
  private successes = 0;
  private busyStreak = 0;
  private pausedUntil = 0;
  /** Granted in arrival order: a full-size request is never overtaken by the small ones behind it. */
  private readonly waiters: Waiter[] = [];
  private readonly increaseAfter: number;
  private readonly cooldownMs: number;
  private readonly maxCooldownMs: number;
  private readonly bytesPerSecond: number | undefined;
  private readonly requestsPerSecond: number | undefined;
  private readonly now: () => number;
  /** Theoretical times (epoch ms) at which the byte and request budgets are free again (GCRA). */
  private bytesFreeAt = 0;
  private requestsFreeAt = 0;
  private share = PACE_SHARE;
  /** Number of busy signals seen (observability and tests). */
  busySignals = 0;

  constructor(options: PacerOptions) {
    this.max = Math.max(1, options.maxConcurrency);
    this.limit = this.max;
    this.increaseAfter = options.increaseAfter ?? 16;
    this.cooldownMs = options.cooldownMs ?? 200;
    this.maxCooldownMs = options.maxCooldownMs ?? 10_000;
    this.bytesPerSecond = positive(options.bytesPerSecond);
    this.requestsPerSecond = positive(options.requestsPerSecond);
    this.now = options.now ?? Date.now;
  }

  get concurrency(): number {
    return this.limit;
  }

  /** The share of the targets requests start at now (PACE_SHARE, less after busy signals). */
  get rateShare(): number {
    return this.share;
  }

  /**
   * Waits for room (and for any cooldown and, unless `pace` is false, the rate budget); returns the
   * function that frees it. `bytes` is what the request moves: the room it takes (0: unknown, a whole
   * slot) and, when paced here, its share of the byte rate. A caller that sends its requests later (after
   * a read, say) passes false and paces each request right before sending it, so its requests reach the
   * blob at the paced rate.
   */
  async acquire(signal?: AbortSignal, bytes = 0, pace = true): Promise<() => void> {
    const units = unitsOf(bytes);
    await this.admit(units, signal);
    let released = false;
    const release = () => {
      if (!released) this.release(units);
      released = true;
    };
    try {
      const pause = this.pausedUntil - this.now();
      if (pause > 0) await sleep(pause, signal);
      if (pace) await this.pace(bytes, signal);
    } catch (error) {
      release();
      throw error;
    }
    return release;
  }

  /** Takes `units` of room now if nobody waits before it and they fit, else waits its turn. */
  private admit(units: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.waiters.length === 0 && this.fits(units)) {
      this.inFlight += units;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        units,
        grant: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        const at = this.waiters.indexOf(waiter);
        if (at >= 0) this.waiters.splice(at, 1);
        reject(signal?.reason);
        this.wake();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** One request always fits when nothing is in flight, whatever the limit. */
  private fits(units: number): boolean {
    return this.inFlight === 0 || this.inFlight + units <= this.limit * SLOT_UNITS;
  }

  /** Waits until one request of `bytes` may start under the blob's rates (no concurrency slot). */
  async pace(bytes: number, signal?: AbortSignal): Promise<void> {
    const delay = this.reserve(bytes);
    if (delay > 0) await sleep(delay, signal);
  }

  /** Books one request of `bytes` in the rate budgets; returns how long to wait before starting it. */
  reserve(bytes: number): number {
    const now = this.now();
    let start = now;
    if (this.bytesPerSecond !== undefined && bytes > 0) start = Math.max(start, this.bytesFreeAt);
    if (this.requestsPerSecond !== undefined) start = Math.max(start, this.requestsFreeAt);
    if (this.bytesPerSecond !== undefined && bytes > 0)
      this.bytesFreeAt = start + (bytes / (this.bytesPerSecond * this.share)) * 1000;
    if (this.requestsPerSecond !== undefined)
      this.requestsFreeAt = start + 1000 / (this.requestsPerSecond * this.share);
    return start - now;
  }

  onSuccess(): void {
    this.busyStreak = 0;
    this.share = Math.min(PACE_SHARE, this.share + SHARE_STEP);
    if (++this.successes >= this.increaseAfter && this.limit < this.max) {
      this.limit++;
      this.successes = 0;
      this.wake();
    }
  }

  onBusy(): void {
    this.busySignals++;
    this.successes = 0;
    this.limit = Math.max(1, Math.floor(this.limit / 2));
    this.share = Math.max(MIN_SHARE, this.share * SHARE_CUT);
    const cooldown = Math.min(this.maxCooldownMs, this.cooldownMs * 2 ** this.busyStreak);
    this.busyStreak = Math.min(this.busyStreak + 1, 16);
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + cooldown);
  }

  private release(units: number): void {
    this.inFlight -= units;
    this.wake();
  }

  /** Grants waiters in arrival order while the first one fits. */
  private wake(): void {
    for (let next = this.waiters[0]; next !== undefined && this.fits(next.units); next = this.waiters[0]) {
      this.waiters.shift();
      this.inFlight += next.units;
      next.grant();
    }
  }
}

function positive(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : undefined;
}

const pacers = new Map<string, BlobPacer>();

/**
 * The process-wide pacer of one blob, keyed by its URL without query: a blob and its snapshots are one
 * partition for the service's targets, so reads of a snapshot and writes of its base share it.
 */
export function pacerFor(blobUrl: string, options: PacerOptions): BlobPacer {
  const key = blobUrl.split("?")[0] ?? blobUrl;
  let pacer = pacers.get(key);
  if (!pacer) {
    pacer = new BlobPacer(options);
    pacers.set(key, pacer);
  }
  return pacer;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

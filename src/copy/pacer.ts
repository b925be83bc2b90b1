// Per-blob pacing: how many requests may be in flight against one destination blob. It halves when the
// service says it is busy and creeps back up on success (AIMD, like AzCopy's page-blob pacer), and it is
// shared by every copy in this process that targets the same blob.

export interface PacerOptions {
  /** Upper bound of concurrent requests (and the starting point). */
  maxConcurrency: number;
  /** Successes needed to allow one more concurrent request. */
  increaseAfter?: number;
  /** Pause after a busy signal; doubles with consecutive busy signals, capped by maxCooldownMs. */
  cooldownMs?: number;
  maxCooldownMs?: number;
}

export class BlobPacer {
  private limit: number;
  private readonly max: number;
  private inFlight = 0;
  private successes = 0;
  private busyStreak = 0;
  private pausedUntil = 0;
  private readonly waiters: Array<() => void> = [];
  private readonly increaseAfter: number;
  private readonly cooldownMs: number;
  private readonly maxCooldownMs: number;
  /** Number of busy signals seen (observability and tests). */
  busySignals = 0;

  constructor(options: PacerOptions) {
    this.max = Math.max(1, options.maxConcurrency);
    this.limit = this.max;
    this.increaseAfter = options.increaseAfter ?? 16;
    this.cooldownMs = options.cooldownMs ?? 200;
    this.maxCooldownMs = options.maxCooldownMs ?? 10_000;
  }

  get concurrency(): number {
    return this.limit;
  }

  /** Waits for a slot (and for any cooldown); returns the function that frees it. */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    while (this.inFlight >= this.limit) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
      signal?.throwIfAborted();
    }
    this.inFlight++;
    const pause = this.pausedUntil - Date.now();
    if (pause > 0) {
      try {
        await sleep(pause, signal);
      } catch (error) {
        this.release();
        throw error;
      }
    }
    let released = false;
    return () => {
      if (!released) this.release();
      released = true;
    };
  }

  onSuccess(): void {
    this.busyStreak = 0;
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
    const cooldown = Math.min(this.maxCooldownMs, this.cooldownMs * 2 ** this.busyStreak);
    this.busyStreak = Math.min(this.busyStreak + 1, 16);
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + cooldown);
  }

  private release(): void {
    this.inFlight--;
    this.wake();
  }

  /** Every waiter re-checks the limit itself, so waking all of them is safe. */
  private wake(): void {
    for (const next of this.waiters.splice(0)) next();
  }
}

const pacers = new Map<string, BlobPacer>();

/** The process-wide pacer of one destination blob (keyed by its URL without query). */
export function pacerFor(blobUrl: string, options: PacerOptions): BlobPacer {
  let pacer = pacers.get(blobUrl);
  if (!pacer) {
    pacer = new BlobPacer(options);
    pacers.set(blobUrl, pacer);
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

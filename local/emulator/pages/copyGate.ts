// A byte-weighted FIFO gate around the emulator's Put Page From URL work. The emulator serves every
// copy on its one thread: more 4 MiB copies at once only interleave their reads and writes and run
// slower together (bench scenario 1: 168 MiB/s at two in flight, about 100 at eight), which the
// service, whose copies run on many machines, never does. Small copies pass side by side.

/** Admits work while the bytes in flight stay within a budget; the rest waits its turn in order. */
export class CopyGate {
  private inFlight = 0;
  private readonly waiting: { bytes: number; admit: () => void }[] = [];

  /** @param capacityBytes - bytes admitted at once; one request larger than this runs alone. */
  constructor(private readonly capacityBytes: number) {
    if (!(capacityBytes > 0)) throw new RangeError(`capacityBytes must be positive, got ${capacityBytes}`);
  }

  /** Runs `work` once `bytes` fit in the budget (at once when nothing else is in flight). */
  async run<T>(bytes: number, work: () => Promise<T>): Promise<T> {
    await this.acquire(bytes);
    try {
      return await work();
    } finally {
      this.release(bytes);
    }
  }

  /** Bytes admitted and not yet released (for tests and the control API). */
  get bytesInFlight(): number {
    return this.inFlight;
  }

  private fits(bytes: number): boolean {
    return this.inFlight === 0 || this.inFlight + bytes <= this.capacityBytes;
  }

  private acquire(bytes: number): Promise<void> {
    if (this.waiting.length === 0 && this.fits(bytes)) {
      this.inFlight += bytes;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push({ bytes, admit: resolve }));
  }

  private release(bytes: number): void {
    this.inFlight -= bytes;
    // FIFO: a large copy at the head is not overtaken forever by a stream of small ones.
    for (let next = this.waiting[0]; next !== undefined && this.fits(next.bytes); next = this.waiting[0]) {
      this.waiting.shift();
      this.inFlight += next.bytes;
      next.admit();
    }
  }
}

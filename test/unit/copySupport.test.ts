// Pure parts of the copy engine: failure classification, the per-blob pacer (room counted by size,
// granted in arrival order) and the operation runner's workers.
import { describe, expect, it } from "vitest";
import { BlobPacer, FULL_REQUEST_BYTES, PACE_SHARE, unitsOf } from "../../src/copy/pacer";
import { runOperations } from "../../src/copy/runner";
import { isServerBusy, isServerTimeout, isTransient } from "../../src/storage/errors";
import { seededRandom } from "../support/random";

const failure = (statusCode: number | undefined, code?: string) =>
  Object.assign(new Error("x"), { statusCode, code });

describe("failure classification", () => {
  it("retries throttling, server errors, timeouts and dropped connections only", () => {
    expect(isTransient(failure(503, "ServerBusy"))).toBe(true);
    expect(isTransient(failure(500, "OperationTimedOut"))).toBe(true);
    expect(isTransient(failure(undefined, "ECONNRESET"))).toBe(true);
    expect(isTransient(failure(undefined, "REQUEST_SEND_ERROR"))).toBe(true);
    expect(isTransient(failure(412, "LeaseIdMismatchWithBlobOperation"))).toBe(false);
    expect(isTransient(failure(404, "BlobNotFound"))).toBe(false);
    expect(isTransient(failure(409, "PreviousSnapshotNotFound"))).toBe(false);
  });
  it("recognizes busy signals and server timeouts", () => {
    expect(isServerBusy(failure(503, "ServerBusy"))).toBe(true);
    expect(isServerBusy(failure(500, "InternalError"))).toBe(false);
    expect(isServerTimeout(failure(500, "OperationTimedOut"))).toBe(true);
    expect(isServerTimeout(failure(503, "ServerBusy"))).toBe(false);
  });
});

describe("BlobPacer", () => {
  it("halves concurrency on busy signals and recovers on success", async () => {
    const pacer = new BlobPacer({ maxConcurrency: 8, increaseAfter: 2, cooldownMs: 1 });
    pacer.onBusy();
    expect(pacer.concurrency).toBe(4);
    pacer.onBusy();
    pacer.onBusy();
    pacer.onBusy();
    expect(pacer.concurrency).toBe(1);
    for (let i = 0; i < 6; i++) pacer.onSuccess();
    expect(pacer.concurrency).toBe(4);
    expect(pacer.busySignals).toBe(4);
  });
  it("never lets more requests in flight than the limit", async () => {
    const pacer = new BlobPacer({ maxConcurrency: 3 });
    let inFlight = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        const release = await pacer.acquire();
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, 1));
        inFlight--;
        release();
      }),
    );
    expect(peak).toBe(3);
  });
  it("stops waiting when aborted", async () => {
    const pacer = new BlobPacer({ maxConcurrency: 1 });
    const hold = await pacer.acquire();
    const controller = new AbortController();
    const waiting = pacer.acquire(controller.signal);
    controller.abort(new Error("stop"));
    hold();
    await expect(waiting).rejects.toThrow("stop");
  });
  it("starts requests under the blob's byte and request rates, and slows down after busy signals", () => {
    let now = 1_000_000;
    const pacer = new BlobPacer({
      maxConcurrency: 8,
      bytesPerSecond: 1000,
      requestsPerSecond: 10,
      now: () => now,
    });
    // 100 bytes at 95% of 1000 B/s: one every 105 ms; the request rate (one per 105 ms) binds the same.
    const delays = Array.from({ length: 5 }, () => pacer.reserve(100));
    const step = 1000 / (10 * PACE_SHARE);
    expect(delays.map((d) => Math.round(d))).toEqual([0, 1, 2, 3, 4].map((i) => Math.round(i * step)));
    // bytes bind for large requests: 1,900 bytes take 2 s of the budget at 95%
    now += 10_000;
    expect(pacer.reserve(1900)).toBe(0);
    expect(Math.round(pacer.reserve(0))).toBe(Math.round(step));
    expect(Math.round(pacer.reserve(100))).toBe(2000);
    // a busy signal lowers the share; successes bring it back
    now += 10_000;
    pacer.onBusy();
    expect(pacer.rateShare).toBeLessThan(PACE_SHARE);
    for (let i = 0; i < 100; i++) pacer.onSuccess();
    expect(pacer.rateShare).toBe(PACE_SHARE);
  });
  it("paces nothing without rates", () => {
    const pacer = new BlobPacer({ maxConcurrency: 2 });
    expect([pacer.reserve(4 * 2 ** 20), pacer.reserve(4 * 2 ** 20)]).toEqual([0, 0]);
  });
  it("counts room by size: a small request takes a quarter of a slot, an unknown or full-size one a whole slot", () => {
    expect(
      [0, 1, 4096, 1024 ** 2, 1024 ** 2 + 512, 2 * 1024 ** 2, FULL_REQUEST_BYTES, 8 * 1024 ** 2].map(unitsOf),
    ).toEqual([4, 1, 1, 1, 2, 2, 4, 4]);
  });
  it("lets four times as many small requests in flight as full-size ones", async () => {
    const peakOf = async (size: number) => {
      const pacer = new BlobPacer({ maxConcurrency: 2 });
      let inFlight = 0;
      let peak = 0;
      await Promise.all(
        Array.from({ length: 20 }, async () => {
          const release = await pacer.acquire(undefined, size, false);
          peak = Math.max(peak, ++inFlight);
          await new Promise((r) => setTimeout(r, 2));
          inFlight--;
          release();
        }),
      );
      return peak;
    };
    expect(await peakOf(64 * 1024)).toBe(8);
    expect(await peakOf(2 * 1024 ** 2)).toBe(4);
    expect(await peakOf(FULL_REQUEST_BYTES)).toBe(2);
  });
  it("grants room in arrival order: small requests do not overtake a full-size one waiting before them", async () => {
    const pacer = new BlobPacer({ maxConcurrency: 1 });
    const order: string[] = [];
    const small = await pacer.acquire(undefined, 4096, false);
    const big = pacer.acquire(undefined, FULL_REQUEST_BYTES, false).then((release) => {
      order.push("big");
      return release;
    });
    const later = pacer.acquire(undefined, 4096, false).then((release) => {
      order.push("later");
      return release;
    });
    await new Promise((r) => setTimeout(r, 5));
    expect(order).toEqual([]);
    small();
    const releaseBig = await big;
    await new Promise((r) => setTimeout(r, 5));
    expect(order).toEqual(["big"]);
    releaseBig();
    (await later)();
    expect(order).toEqual(["big", "later"]);
  });
  it("drops an aborted waiter from the queue and lets the next one in", async () => {
    const pacer = new BlobPacer({ maxConcurrency: 1 });
    const hold = await pacer.acquire(undefined, FULL_REQUEST_BYTES, false);
    const controller = new AbortController();
    const aborted = pacer.acquire(controller.signal, FULL_REQUEST_BYTES, false);
    const next = pacer.acquire(undefined, 4096, false);
    controller.abort(new Error("stop"));
    await expect(aborted).rejects.toThrow("stop");
    hold();
    (await next)();
  });
});

describe("BlobPacer under random load", () => {
  it("never exceeds its room, grants in arrival order, and lets every live request through", async () => {
    const { rand, seed } = seededRandom();
    console.log(`pacer load seed ${seed} (replay with TEST_SEED=${seed})`);
    for (let trial = 0; trial < 20; trial++) {
      const slots = 1 + Math.floor(rand() * 4);
      const pacer = new BlobPacer({ maxConcurrency: slots });
      const sizes = [0, 4096, 64 * 1024, 1024 ** 2, 1024 ** 2 + 4096, 3 * 1024 ** 2, FULL_REQUEST_BYTES];
      let inFlightUnits = 0;
      let peak = 0;
      const granted: number[] = [];
      const requests = Array.from({ length: 40 }, (_, i) => {
        const size = sizes[Math.floor(rand() * sizes.length)] ?? 0;
        const controller = new AbortController();
        const abortAfter = rand() < 0.2 ? Math.floor(rand() * 4) : undefined;
        const hold = 1 + Math.floor(rand() * 3);
        return { i, size, controller, abortAfter, hold };
      });
      await Promise.all(
        requests.map(async (r) => {
          if (r.abortAfter !== undefined)
            setTimeout(() => r.controller.abort(new Error("gone")), r.abortAfter);
          let release: () => void;
          try {
            release = await pacer.acquire(r.controller.signal, r.size, false);
          } catch (error) {
            expect((error as Error).message).toBe("gone");
            return;
          }
          granted.push(r.i);
          inFlightUnits += unitsOf(r.size);
          // one request always fits when nothing else is in flight
          if (inFlightUnits > unitsOf(r.size)) peak = Math.max(peak, inFlightUnits);
          await new Promise((done) => setTimeout(done, r.hold));
          inFlightUnits -= unitsOf(r.size);
          release();
        }),
      );
      expect(peak).toBeLessThanOrEqual(slots * 4);
      // every request that was not aborted got through, in the order it asked
      const live = requests.filter((r) => r.abortAfter === undefined).map((r) => r.i);
      for (const i of live) expect(granted).toContain(i);
      expect(granted).toEqual([...granted].sort((a, b) => a - b));
      expect(inFlightUnits).toBe(0);
    }
  });
});

describe("runOperations", () => {
  /** Peak operations in flight for `count` operations of `size` bytes at concurrency 8. */
  async function peakInFlight(count: number, size: number): Promise<number> {
    let inFlight = 0;
    let peak = 0;
    await runOperations({
      ops: Array.from({ length: count }, (_, i) => i),
      concurrency: 8,
      pacer: new BlobPacer({ maxConcurrency: 8 }),
      bytesOf: () => size,
      describe: (i) => `op ${i}`,
      attempt: async () => {
        peak = Math.max(peak, ++inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
      },
    });
    return peak;
  }
  it("sends ten 64 KiB operations at once, and full-size ones eight at a time", async () => {
    expect(await peakInFlight(10, 64 * 1024)).toBe(10);
    expect(await peakInFlight(40, 64 * 1024)).toBe(32);
    expect(await peakInFlight(20, FULL_REQUEST_BYTES)).toBe(8);
  });
});

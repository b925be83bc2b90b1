// The emulator's token bucket (Azure-shaped profile): a fresh bucket admits a request that fits its
// capacity even when the request's clock reading predates the bucket.
import { describe, expect, it } from "vitest";
import { Bucket } from "../../local/emulator/throttle";

describe("throttle bucket", () => {
  it("admits a full-capacity charge on a fresh bucket read with an earlier clock", () => {
    const bucket = new Bucket(64 * 1024, 64 * 1024);
    // The request read `now` a few milliseconds before its bucket was made (a busy event loop).
    expect(bucket.fits(64 * 1024, Date.now() - 5)).toBe(true);
    bucket.take(64 * 1024);
    // Drained: the next charge does not fit until time refills it.
    expect(bucket.fits(64 * 1024, Date.now())).toBe(false);
    expect(bucket.fits(64 * 1024, Date.now() + 1_001)).toBe(true);
  });

  it("refills at its rate up to its capacity, never beyond", () => {
    const start = Date.now();
    const bucket = new Bucket(1_000, 500);
    bucket.take(500);
    const refilled = bucket.available(start + 250);
    expect(refilled).toBeGreaterThan(240);
    expect(refilled).toBeLessThanOrEqual(250);
    expect(bucket.available(start + 10_000)).toBe(500);
  });
});

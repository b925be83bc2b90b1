// Exhaustive and property tests of the pure range math, checked against a page bitmap oracle.
import { describe, expect, it } from "vitest";
import {
  assertAligned,
  type ByteRange,
  batchRanges,
  bridgeGaps,
  clipRanges,
  coalesce,
  fromInclusive,
  inclusiveEnd,
  MAX_PUT_PAGE_BYTES,
  PAGE_SIZE,
  RangeAlignmentError,
  requestCount,
  segmentsOf,
  splitRanges,
  subtractRanges,
  totalBytes,
} from "../../src/ranges";
import { seededRandom } from "../support/random";

const MiB = 1024 * 1024;
const r = (offset: number, length: number): ByteRange => ({ offset, length });

/** Page-granular oracle: which pages a list of ranges covers. */
function pages(ranges: readonly ByteRange[], totalPages: number): boolean[] {
  const bits = new Array<boolean>(totalPages).fill(false);
  for (const x of ranges) {
    for (let p = x.offset / PAGE_SIZE; p < (x.offset + x.length) / PAGE_SIZE; p++) bits[p] = true;
  }
  return bits;
}

function randomRanges(rand: () => number, count: number, totalPages: number): ByteRange[] {
  const out: ByteRange[] = [];
  for (let i = 0; i < count; i++) {
    const start = Math.floor(rand() * totalPages);
    const len = 1 + Math.floor(rand() * Math.min(16, totalPages - start));
    out.push(r(start * PAGE_SIZE, len * PAGE_SIZE));
  }
  return out;
}

describe("inclusive conversion", () => {
  it("turns the service's inclusive ends into lengths and back", () => {
    expect(fromInclusive(0, 511)).toEqual(r(0, 512));
    expect(fromInclusive(1024, 4095)).toEqual(r(1024, 3072));
    expect(inclusiveEnd(r(1024, 3072))).toBe(4095);
  });
  it("rejects reversed or negative bounds", () => {
    expect(() => fromInclusive(512, 511)).toThrow(RangeError);
    expect(() => fromInclusive(-1, 511)).toThrow(RangeError);
  });
});

describe("alignment", () => {
  it("accepts whole pages and names the offending range otherwise", () => {
    expect(() => assertAligned(r(512, 1024))).not.toThrow();
    for (const bad of [r(1, 512), r(0, 511), r(0, 0), r(256, 512)]) {
      expect(() => assertAligned(bad)).toThrow(RangeAlignmentError);
    }
    expect(() => assertAligned(r(100, 512))).toThrow(/offset 100 of length 512/);
  });
});

describe("coalesce", () => {
  it("merges touching and overlapping ranges and sorts", () => {
    expect(coalesce([r(1024, 512), r(0, 512), r(512, 512)])).toEqual([r(0, 1536)]);
    expect(coalesce([r(0, 2048), r(512, 512)])).toEqual([r(0, 2048)]);
    expect(coalesce([r(0, 512), r(1024, 512)])).toEqual([r(0, 512), r(1024, 512)]);
    expect(coalesce([r(0, 0), r(512, 512)])).toEqual([r(512, 512)]);
    expect(coalesce([])).toEqual([]);
  });
  it("matches the page oracle on random inputs", () => {
    const { rand, seed } = seededRandom();
    console.log(`coalesce property seed=${seed}`);
    for (let round = 0; round < 300; round++) {
      const totalPages = 1 + Math.floor(rand() * 200);
      const input = randomRanges(rand, Math.floor(rand() * 30), totalPages);
      const out = coalesce(input);
      expect(pages(out, totalPages + 16)).toEqual(pages(input, totalPages + 16));
      for (let i = 1; i < out.length; i++) {
        expect(out[i]!.offset).toBeGreaterThan(out[i - 1]!.offset + out[i - 1]!.length);
      }
    }
  });
});

describe("splitRanges", () => {
  it("splits at true offsets into pieces of at most 4 MiB", () => {
    const out = splitRanges([r(3 * MiB, 9 * MiB + 512)]);
    expect(out).toEqual([r(3 * MiB, 4 * MiB), r(7 * MiB, 4 * MiB), r(11 * MiB, MiB + 512)]);
    expect(out.every((x) => x.length <= MAX_PUT_PAGE_BYTES)).toBe(true);
  });
  it("keeps small ranges whole and exact multiples exact", () => {
    expect(splitRanges([r(512, 512)])).toEqual([r(512, 512)]);
    expect(splitRanges([r(0, 8 * MiB)])).toEqual([r(0, 4 * MiB), r(4 * MiB, 4 * MiB)]);
  });
  it("rejects a chunk size that is not whole pages", () => {
    expect(() => splitRanges([r(0, 512)], 1000)).toThrow(RangeError);
    expect(() => splitRanges([r(0, 512)], 0)).toThrow(RangeError);
  });
  it("covers exactly the input, aligned, for random inputs and chunk sizes", () => {
    const { rand, seed } = seededRandom();
    console.log(`split property seed=${seed}`);
    for (let round = 0; round < 300; round++) {
      const totalPages = 1 + Math.floor(rand() * 300);
      const input = coalesce(randomRanges(rand, Math.floor(rand() * 20), totalPages));
      const max = (1 + Math.floor(rand() * 8)) * PAGE_SIZE;
      const out = splitRanges(input, max);
      expect(pages(out, totalPages + 16)).toEqual(pages(input, totalPages + 16));
      expect(totalBytes(out)).toBe(totalBytes(input));
      for (const x of out) {
        assertAligned(x);
        expect(x.length).toBeLessThanOrEqual(max);
      }
      expect(out.length).toBe(input.reduce((n, x) => n + Math.ceil(x.length / max), 0));
    }
  });
});

describe("segmentsOf", () => {
  it("covers the blob with aligned segments, the last one short", () => {
    expect(segmentsOf(2560, 1024)).toEqual([r(0, 1024), r(1024, 1024), r(2048, 512)]);
    expect(segmentsOf(0, 1024)).toEqual([]);
    expect(segmentsOf(1024, 1024)).toEqual([r(0, 1024)]);
  });
  it("rejects unaligned sizes", () => {
    expect(() => segmentsOf(1000, 512)).toThrow(RangeError);
    expect(() => segmentsOf(1024, 100)).toThrow(RangeError);
  });
  it("keeps the segment count proportional to size / segment, not to anything else", () => {
    const TiB = 1024 * 1024 * MiB;
    expect(segmentsOf(8 * TiB, 1024 * 1024 * MiB)).toHaveLength(8);
  });
});

describe("clipRanges and subtractRanges", () => {
  it("clips to a shrunk size", () => {
    expect(clipRanges([r(0, 1024), r(1024, 1024), r(4096, 512)], 1536)).toEqual([r(0, 1024), r(1024, 512)]);
  });
  it("subtracts against the page oracle", () => {
    const { rand, seed } = seededRandom();
    console.log(`subtract property seed=${seed}`);
    for (let round = 0; round < 300; round++) {
      const totalPages = 1 + Math.floor(rand() * 200);
      const a = randomRanges(rand, Math.floor(rand() * 20), totalPages);
      const b = randomRanges(rand, Math.floor(rand() * 20), totalPages);
      const want = pages(a, totalPages + 16).map((bit, i) => bit && !pages(b, totalPages + 16)[i]);
      expect(pages(subtractRanges(a, b), totalPages + 16)).toEqual(want);
    }
  });
});

describe("batchRanges", () => {
  const chunks = (n: number, size = 4 * MiB) => Array.from({ length: n }, (_, i) => r(i * size, size));

  it("never exceeds maxBatches and keeps every chunk once, in order", () => {
    for (const [n, max] of [
      [1, 1],
      [10, 3],
      [1000, 200],
      [7, 50],
      [201, 200],
    ] as const) {
      const input = chunks(n);
      const out = batchRanges(input, { maxBatches: max });
      expect(out.length).toBeLessThanOrEqual(max);
      expect(out.length).toBe(Math.min(n, max));
      expect(out.flat()).toEqual(input);
      expect(out.every((b) => b.length > 0)).toBe(true);
    }
  });
  it("balances bytes across batches", () => {
    const out = batchRanges(chunks(1000), { maxBatches: 100 });
    expect(out.map((b) => b.length)).toEqual(new Array(100).fill(10));
  });
  it("does not fan out small diffs below minBatchBytes", () => {
    const out = batchRanges(chunks(10, 512), { maxBatches: 100, minBatchBytes: 64 * MiB });
    expect(out).toHaveLength(1);
  });
  it("returns nothing for nothing and rejects a bad bound", () => {
    expect(batchRanges([], { maxBatches: 5 })).toEqual([]);
    expect(() => batchRanges(chunks(2), { maxBatches: 0 })).toThrow(RangeError);
  });
  it("keeps random uneven inputs complete and bounded", () => {
    const { rand, seed } = seededRandom();
    console.log(`batch property seed=${seed}`);
    for (let round = 0; round < 200; round++) {
      const n = Math.floor(rand() * 500);
      const input = Array.from({ length: n }, (_, i) =>
        r(i * 4 * MiB, (1 + Math.floor(rand() * 8192)) * 512),
      );
      const max = 1 + Math.floor(rand() * 300);
      const out = batchRanges(input, { maxBatches: max });
      expect(out.length).toBeLessThanOrEqual(max);
      expect(out.flat()).toEqual(input);
    }
  });
});

describe("bridgeGaps", () => {
  const KiB = 1024;
  it("joins changes across small allocated gaps, never across holes or large gaps", () => {
    const changed = [r(0, 4 * KiB), r(8 * KiB, 4 * KiB), r(64 * KiB, 4 * KiB), r(200 * KiB, 4 * KiB)];
    // allocated: [0, 100 KiB) and [200 KiB, 300 KiB): the gap 68..200 KiB is a hole
    const allocated = [r(0, 100 * KiB), r(200 * KiB, 100 * KiB)];
    expect(bridgeGaps(changed, allocated, 16 * KiB)).toEqual([
      r(0, 12 * KiB),
      r(64 * KiB, 4 * KiB),
      r(200 * KiB, 4 * KiB),
    ]);
    expect(bridgeGaps(changed, allocated, 64 * KiB)).toEqual([r(0, 68 * KiB), r(200 * KiB, 4 * KiB)]);
    expect(bridgeGaps(changed, [r(0, 300 * KiB)], 200 * KiB)).toEqual([r(0, 204 * KiB)]);
    expect(bridgeGaps(changed, allocated, 0)).toEqual(changed);
  });
  it("joins only where it saves a request (pieces of at most 4 MiB)", () => {
    const big = [r(0, 4 * MiB - 4 * KiB), r(4 * MiB, 4 * KiB)];
    expect(bridgeGaps(big, [r(0, 8 * MiB)], 64 * KiB)).toEqual(big);
    const small = [r(0, 4 * MiB - 8 * KiB), r(4 * MiB - 4 * KiB, 4 * KiB)];
    expect(bridgeGaps(small, [r(0, 8 * MiB)], 64 * KiB)).toEqual([r(0, 4 * MiB)]);
  });
  it("keeps every changed page, adds only allocated pages, and never costs more requests (random)", () => {
    const { rand, seed } = seededRandom();
    console.log(`bridge property seed=${seed}`);
    const total = 4096;
    for (let round = 0; round < 200; round++) {
      const randomRanges = (n: number, maxPages: number) =>
        coalesce(
          Array.from({ length: n }, () =>
            r(Math.floor(rand() * total) * PAGE_SIZE, (1 + Math.floor(rand() * maxPages)) * PAGE_SIZE),
          ),
        );
      const allocated = randomRanges(1 + Math.floor(rand() * 8), 1500);
      const changed = randomRanges(Math.floor(rand() * 40), 16).filter((c) =>
        allocated.some((a) => a.offset <= c.offset && a.offset + a.length >= c.offset + c.length),
      );
      const maxGap = Math.floor(rand() * 64) * PAGE_SIZE;
      const out = bridgeGaps(changed, allocated, maxGap, 64 * PAGE_SIZE);
      const n = total + 64;
      const want = pages(changed, n);
      const got = pages(out, n);
      const inAllocation = pages(allocated, n);
      for (let p = 0; p < n; p++) {
        if (want[p]) expect(got[p]).toBe(true);
        if (got[p]) expect(inAllocation[p] || want[p]).toBe(true);
      }
      expect(requestCount(out, 64 * PAGE_SIZE)).toBeLessThanOrEqual(requestCount(changed, 64 * PAGE_SIZE));
      expect(out).toEqual(coalesce(out));
    }
  });
});

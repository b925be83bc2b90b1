// Batch planning (toBatchDocs) and fan-out windows (windowsOf, pairedWindowsOf, verifyPartsOf): every
// range lands in exactly one batch, in order, at most 4 MiB per request, within the batch bounds.
import { describe, expect, it } from "vitest";
import { batchCountFor, toBatchDocs } from "../../src/copy/batches";
import { windowsOf } from "../../src/orchestrations/steps";
import { type ByteRange, MAX_PUT_PAGE_BYTES, PAGE_SIZE, splitRanges, totalBytes } from "../../src/ranges";
import { pairedWindowsOf, verifyPartsOf, verifyWindowsOf } from "../../src/restore/phases";
import { seededRandom } from "../support/random";

const MiB = 1024 * 1024;
const tuning = {
  maxBatches: 8,
  minBatchBytes: 4 * MiB,
  maxClearsPerBatch: 3,
  batchWindow: 4,
  stepBudgetMs: 10 * 60_000,
  blobBytesPerSecond: 60 * MiB,
};

function randomRanges(rand: () => number, count: number): ByteRange[] {
  const out: ByteRange[] = [];
  let offset = 0;
  for (let i = 0; i < count; i++) {
    offset += Math.floor(rand() * 64) * PAGE_SIZE + PAGE_SIZE;
    const length = (1 + Math.floor(rand() * 24_000)) * PAGE_SIZE;
    out.push({ offset, length });
    offset += length;
  }
  return out;
}

describe("toBatchDocs", () => {
  it("puts every write request in exactly one batch, in order, within the batch bounds", () => {
    const { rand, seed } = seededRandom();
    console.log(`batch planning seed ${seed}`);
    for (let trial = 0; trial < 200; trial++) {
      const writes = randomRanges(rand, Math.floor(rand() * 40));
      const clears = randomRanges(rand, Math.floor(rand() * 10));
      const docs = toBatchDocs(tuning, writes, clears);
      const writeDocs = docs.filter((d) => d.writes.length > 0);
      const clearDocs = docs.filter((d) => d.clears.length > 0);
      expect(docs.every((d) => d.writes.length === 0 || d.clears.length === 0)).toBe(true);
      expect(writeDocs.flatMap((d) => d.writes)).toEqual(splitRanges(writes));
      expect(clearDocs.flatMap((d) => d.clears)).toEqual(clears);
      expect(writeDocs.length).toBeLessThanOrEqual(tuning.maxBatches);
      expect(clearDocs.every((d) => d.clears.length <= tuning.maxClearsPerBatch)).toBe(true);
      expect(clearDocs.length).toBe(Math.ceil(clears.length / tuning.maxClearsPerBatch));
      for (const d of writeDocs)
        for (const w of d.writes) expect(w.length).toBeLessThanOrEqual(MAX_PUT_PAGE_BYTES);
      // batches are not smaller than minBatchBytes unless there is too little to write
      if (writeDocs.length > 1) {
        expect(writeDocs.length).toBeLessThanOrEqual(
          Math.max(1, Math.floor(totalBytes(writes) / tuning.minBatchBytes)),
        );
      }
    }
  });

  it("gives no batch for nothing to do, and one for a small diff", () => {
    expect(toBatchDocs(tuning, [], [])).toEqual([]);
    expect(toBatchDocs(tuning, [{ offset: 0, length: 512 }], [])).toEqual([
      { writes: [{ offset: 0, length: 512 }], clears: [] },
    ]);
  });
});

describe("batchCountFor", () => {
  const GiB = 1024 * MiB;
  it("sizes batches from the step's time budget at the blob's rate shared by a window", () => {
    // 60 MiB/s shared by 4 batches, 10 minutes, 80 %: 7,200 MiB per batch
    const budget = { ...tuning, maxBatches: 200 };
    expect(batchCountFor(budget, 0)).toBe(0);
    expect(batchCountFor(budget, 2 * MiB)).toBe(1); // smaller than one minimum batch
    expect(batchCountFor(budget, 10 * MiB)).toBe(2); // two minimum batches
    expect(batchCountFor(budget, 1 * GiB)).toBe(4); // fills the window
    expect(batchCountFor(budget, 7200 * MiB * 10)).toBe(10); // each fits one step
    expect(batchCountFor(budget, 7200 * MiB * 10 + 1)).toBe(11);
    expect(batchCountFor(budget, 8 * 1024 * GiB)).toBe(200); // bounded history: batches resume instead
    const short = { ...budget, stepBudgetMs: 60_000 };
    expect(batchCountFor(short, 7200 * MiB)).toBe(10);
  });
});

describe("windows", () => {
  it("cuts a list into consecutive windows of the given size", () => {
    expect(windowsOf([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(windowsOf([], 4)).toEqual([]);
    expect(windowsOf([1, 2], 0)).toEqual([[1], [2]]);
  });

  it("pairs the batches of two copies window by window, each batch once", () => {
    const windows = pairedWindowsOf(
      [
        { copy: "promote", batches: 5 },
        { copy: "restore", batches: 3 },
      ],
      2,
    );
    expect(windows).toEqual([
      [
        { copy: "promote", batch: 0 },
        { copy: "promote", batch: 1 },
        { copy: "restore", batch: 0 },
        { copy: "restore", batch: 1 },
      ],
      [
        { copy: "promote", batch: 2 },
        { copy: "promote", batch: 3 },
        { copy: "restore", batch: 2 },
      ],
      [{ copy: "promote", batch: 4 }],
    ]);
    expect(pairedWindowsOf([{ copy: "x", batches: 0 }], 4)).toEqual([]);
  });

  it("verifies the layout first, then every batch", () => {
    expect(verifyPartsOf(3)).toEqual(["layout", 0, 1, 2]);
    expect(verifyPartsOf(0)).toEqual(["layout"]);
  });

  it("verifies the layout beside the first window of batches, never in a batch's place", () => {
    const parts = (n: number) => verifyPartsOf(n).map((part) => ({ part }));
    const flat = (windows: Array<Array<{ part: number | "layout" }>>) =>
      windows.map((w) => w.map((i) => i.part));
    expect(flat(verifyWindowsOf(parts(4), 4))).toEqual([["layout", 0, 1, 2, 3]]);
    expect(flat(verifyWindowsOf(parts(5), 2))).toEqual([["layout", 0, 1], [2, 3], [4]]);
    expect(flat(verifyWindowsOf(parts(0), 4))).toEqual([["layout"]]);
  });
});

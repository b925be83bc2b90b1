// Inline batches (pure): a copy whose batches hold at most MAX_INLINE_RANGES ranges in all travels in the
// history, each batch's ranges with its own step, the revert's layout check with all of them; a plan or
// prepared copy recorded with the older single `inlineBatch` is read the same way.
import { describe, expect, it } from "vitest";
import type { BeginResult, PlanResult } from "../../src/backup/types";
import { copyBatchInputs } from "../../src/backup/types";
import type { BatchDoc } from "../../src/copy/batches";
import { inlineBatchesIn, inlineBatchesOf, MAX_INLINE_RANGES, toStoredBatch } from "../../src/copy/runStore";
import { pairedWindowsOf, preparedBatchesOf, verifyInputsOf } from "../../src/restore/phases";
import type { PreparedCopy, RestoreRun } from "../../src/restore/types";

const doc = (writes: number, clears = 0, at = 0): BatchDoc => ({
  writes: Array.from({ length: writes }, (_, i) => ({ offset: at + i * 8192, length: 4096 })),
  clears: Array.from({ length: clears }, (_, i) => ({ offset: at + i * 8192 + 4096, length: 512 })),
});

describe("inline batches", () => {
  it("keeps every batch inline while their ranges in all stay within the bound, none beyond it", () => {
    const three = [doc(20), doc(20, 4, 1 << 20), doc(0, 20, 2 << 20)];
    expect(inlineBatchesOf(three)).toEqual(three.map(toStoredBatch));
    expect(inlineBatchesOf([doc(MAX_INLINE_RANGES)])).toHaveLength(1);
    expect(inlineBatchesOf([doc(MAX_INLINE_RANGES - 1), doc(1, 1)])).toBeUndefined();
    expect(inlineBatchesOf([])).toBeUndefined();
  });

  it("reads the older single inline batch as a list of one", () => {
    const one = toStoredBatch(doc(3));
    expect(inlineBatchesIn({ inlineBatch: one })).toEqual([one]);
    expect(inlineBatchesIn({ inlineBatches: [one, one] })).toEqual([one, one]);
    expect(inlineBatchesIn({})).toBeUndefined();
  });

  it("gives each backup copy step its own batch's ranges", () => {
    const [a, b] = [toStoredBatch(doc(2)), toStoredBatch(doc(3, 1, 1 << 20))];
    const run = { diskId: "d" } as BeginResult;
    const plan = { batchBytes: [8192, 12288] } as PlanResult;
    expect(copyBatchInputs(run, { ...plan, inlineBatches: [a, b] })).toEqual([
      { run, batch: 0, ranges: a },
      { run, batch: 1, ranges: b },
    ]);
    expect(copyBatchInputs(run, { ...plan, batchBytes: [8192], inlineBatch: a })).toEqual([
      { run, batch: 0, ranges: a },
    ]);
    expect(copyBatchInputs(run, plan)).toEqual([
      { run, batch: 0 },
      { run, batch: 1 },
    ]);
  });

  it("gives each restore copy and verification step its own batch, and the revert's layout all of them", () => {
    const [a, b] = [toStoredBatch(doc(2)), toStoredBatch(doc(0, 2, 1 << 20))];
    const prepared = { batchBytes: [8192, 0], inlineBatches: [a, b] } as PreparedCopy;
    expect(pairedWindowsOf(preparedBatchesOf(["revert"], [prepared]), 4)).toEqual([
      [
        { copy: "revert", batch: 0, ranges: a },
        { copy: "revert", batch: 1, ranges: b },
      ],
    ]);
    const run = { diskId: "d" } as RestoreRun;
    const digests = new Map([
      [0, ["x", "y"]],
      [1, [""]],
    ]);
    const [layout, first, second] = verifyInputsOf(run, "revert", { ...prepared, digests }, "before");
    expect(layout).toEqual({
      run,
      mode: "revert",
      part: "layout",
      beforeSnapshot: "before",
      batches: 2,
      ranges: { writes: a.writes, clears: b.clears },
    });
    expect(first).toEqual({ run, mode: "revert", part: 0, ranges: a, digests: ["x", "y"] });
    expect(second).toEqual({ run, mode: "revert", part: 1, ranges: b, digests: [""] });
    // A full restore's layout compares sizes and what lies outside: no ranges.
    expect(verifyInputsOf(run, "full", prepared, undefined)[0]).toEqual({
      run,
      mode: "full",
      part: "layout",
    });
  });
});

// A backup's copy steps and their checkpoints: an inline batch's first call reads no checkpoint, and a
// batch that keeps running out of its time budget goes on from its checkpoint until done, byte for byte.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BatchResult } from "../../src/backup/types";
import { RUNS_PREFIX } from "../../src/copy/runStore";
import { backupNow, createHarness, expectSameBytes, type Harness, MiB } from "./support/harness";

/** 48 ranges of 64 KiB, 512 KiB apart: one inline batch of 48 operations. */
const RANGES = Array.from({ length: 48 }, (_, i) => ({ offset: i * 512 * 1024, length: 64 * 1024 }));

async function writeRanges(h: Harness, name: string) {
  const blob = h.sources.getPageBlobClient(name);
  if (!(await blob.exists())) await blob.create(32 * MiB);
  for (const r of RANGES) await blob.uploadPages(randomBytes(r.length), r.offset, r.length);
}

async function backUp(h: Harness, name: string) {
  const copies: Array<{ input: { resumed?: boolean }; result: BatchResult }> = [];
  const result = await backupNow(h, name, {
    onStep: (step, input, out) => {
      const value = (out as { ok?: boolean; value?: BatchResult }).value;
      if (step === "copyBackupBatch" && value)
        copies.push({ input: input as { resumed?: boolean }, result: value });
    },
  });
  expect(result.status, result.restorePoint.reason ?? "").toBe("completed");
  return { point: result.restorePoint, copies };
}

describe("backup copy steps and their checkpoints", () => {
  let budgeted: Harness;
  let unbounded: Harness;
  beforeAll(async () => {
    // One batch of 48 ranges in both; here a step starts operations for 15 ms only (default: 10 minutes).
    budgeted = await createHarness("bresume", { maxBatches: 1, stepBudgetMs: 15 });
    unbounded = await createHarness("bwhole", { maxBatches: 1 });
  });
  afterAll(async () => {
    await budgeted?.cleanup();
    await unbounded?.cleanup();
  });

  it("reads no checkpoint on an inline batch's first call", async () => {
    await writeRanges(unbounded, "first.vhd");
    await backUp(unbounded, "first.vhd");
    await writeRanges(unbounded, "first.vhd");
    await unbounded.emu.control.resetStats(`${unbounded.backupPrefix}/${RUNS_PREFIX}`);
    const { point, copies } = await backUp(unbounded, "first.vhd");
    expect([point.kind, copies.length, copies[0]?.input.resumed]).toEqual(["incremental", 1, undefined]);
    const runStore = (await unbounded.emu.control.getStats(`${unbounded.backupPrefix}/${RUNS_PREFIX}`))
      .operations;
    expect(Object.values(runStore).reduce((n, op) => n + op.requests, 0)).toBe(0);
    const bytes = await expectSameBytes(unbounded, "first.vhd", point);
    expect(bytes.backup.equals(bytes.source)).toBe(true);
  });

  it("goes on from the checkpoint when a call stops at its time budget", async () => {
    await writeRanges(budgeted, "budget.vhd");
    const { point, copies } = await backUp(budgeted, "budget.vhd");
    expect(point.changedBytes).toBe(RANGES.length * 64 * 1024);
    // Stopped short at least once, each later call resumed and went further, the last one finished.
    expect(copies.length).toBeGreaterThan(1);
    expect(copies.slice(0, -1).every((c) => !c.result.done)).toBe(true);
    expect(copies.at(-1)?.result.done).toBe(true);
    expect(copies.slice(1).every((c) => c.input.resumed === true)).toBe(true);
    const done = copies.map((c) => c.result.operationsDone);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(new Set(done).size).toBe(done.length);
    const bytes = await expectSameBytes(budgeted, "budget.vhd", point);
    expect(bytes.backup.equals(bytes.source)).toBe(true);
    // The completion leaves nothing of the run in the run store.
    const left: string[] = [];
    for await (const b of budgeted.backups.listBlobsFlat({ prefix: RUNS_PREFIX })) left.push(b.name);
    expect(left).toEqual([]);
  });
});

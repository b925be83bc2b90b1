// A restore whose copy and verification steps keep running out of their time budget: each continued step
// resumes from its checkpoint, and the verification resumes with the digests it kept, so the recorded
// verification is the one an uninterrupted restore of the same bytes records.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runRestoreDirect } from "../../src/direct/restore";
import type { RestorePoint } from "../../src/lineage/restorePoint";
import { backupNow, blobNameOf, contentOf, createHarness, type Harness, MiB } from "./support/harness";

/** 48 ranges of 64 KiB, 512 KiB apart: one batch of many operations. */
const RANGES = Array.from({ length: 48 }, (_, i) => ({ offset: i * 512 * 1024, length: 64 * 1024 }));
const DATA = randomBytes(RANGES.length * 64 * 1024);

async function diskWithRanges(h: Harness): Promise<RestorePoint> {
  const blob = h.sources.getPageBlobClient("disk.vhd");
  await blob.create(32 * MiB);
  for (const [i, r] of RANGES.entries())
    await blob.uploadPages(DATA.subarray(i * r.length, (i + 1) * r.length), r.offset, r.length);
  const result = await backupNow(h, "disk.vhd");
  expect(result.status).toBe("completed");
  return result.restorePoint;
}

async function restore(h: Harness, point: RestorePoint, runId: string) {
  const verifySteps: Array<{ done: boolean; bytesCompared: number }> = [];
  const out = await runRestoreDirect(
    h.ctx,
    {
      diskId: point.diskId,
      restorePointId: point.restorePointId,
      targetUrl: `${h.ctx.settings.sources[0]?.url}/disk-restored.vhd`,
      overwrite: false,
    },
    runId,
    {
      onStep: (name, _input, result) => {
        const value = (result as { ok?: boolean; value?: { done: boolean; bytesCompared: number } }).value;
        if (name === "restoreVerify" && value) verifySteps.push(value);
      },
    },
  );
  const restored = await contentOf(h.sources.getPageBlobClient(blobNameOf(out.restoredDiskUrl)));
  return { out, verifySteps, restored };
}

describe("restore steps continued at their time budget", () => {
  let budgeted: Harness;
  let unbounded: Harness;
  beforeAll(async () => {
    // One batch of 48 ranges in both; here a step starts operations for 15 ms only (default: 10 minutes).
    budgeted = await createHarness("resume", { maxBatches: 1, stepBudgetMs: 15 });
    unbounded = await createHarness("whole", { maxBatches: 1 });
  });
  afterAll(async () => {
    await budgeted?.cleanup();
    await unbounded?.cleanup();
  });

  it("resumes the verification from its checkpoint and records the same verification", async () => {
    const [pointA, pointB] = [await diskWithRanges(budgeted), await diskWithRanges(unbounded)];
    const a = await restore(budgeted, pointA, "run-resume-a");
    const b = await restore(unbounded, pointB, "run-resume-b");

    const source = await contentOf(budgeted.sources.getPageBlobClient("disk.vhd"));
    expect(a.restored.equals(source)).toBe(true);
    expect(b.restored.equals(source)).toBe(true);
    // The budgeted verification stopped short at least once and was called again until done.
    expect(a.verifySteps.some((s) => !s.done)).toBe(true);
    expect(b.verifySteps.every((s) => s.done)).toBe(true);
    const allocated = RANGES.length * 64 * 1024;
    expect(a.out.verification.bytesCompared).toBe(allocated);
    expect(a.out.verification.chunks).toBe(RANGES.length);
    // Digests of every range, the ones kept across continuations included: the same as in one go.
    expect(a.out.verification.digest).toBe(b.out.verification.digest);
  });
});

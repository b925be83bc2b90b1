// Promotion of a restore point (the new chain's backup blob) by the service's Copy Blob: sparse, moved
// server side, waited for while the service reports it pending, idempotent, never over another's blob.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COPY_PENDING } from "../../src/app/codes";
import { CodedError } from "../../src/app/result";
import { runRestoreDirect } from "../../src/direct/restore";
import type { RestorePoint } from "../../src/lineage/restorePoint";
import { failRestore } from "../../src/restore/fail";
import { pairedWindowsOf, preparedBatchesOf, restoreCopyOf } from "../../src/restore/phases";
import { promoteRestorePoint } from "../../src/restore/promote";
import { resolveRestore } from "../../src/restore/resolve";
import { copyBatch, prepareCopy } from "../../src/restore/sparseCopy";
import {
  backupNow,
  blobNameOf,
  contentOf,
  createHarness,
  diskFor,
  type Harness,
  MiB,
  writeRandom,
} from "./support/harness";

describe("promotion of a restore point (in-process against the emulator)", () => {
  let h: Harness;
  let point: RestorePoint;
  let want: Buffer;

  beforeAll(async () => {
    h = await createHarness("promote");
    const blob = h.sources.getPageBlobClient("disk.vhd");
    await blob.create(12 * MiB);
    await writeRandom(blob, MiB, 2 * MiB);
    await writeRandom(blob, 8 * MiB, 512);
    want = await contentOf(blob);
    const result = await backupNow(h, "disk.vhd");
    expect(result.status, result.restorePoint.reason ?? "").toBe("completed");
    point = result.restorePoint;
  });
  afterAll(async () => {
    await h?.emu.control.setCopyPending(0, h.backupPrefix);
    await h?.cleanup();
  });

  const input = (name: string) => ({
    diskId: diskFor(h, "disk.vhd").id,
    restorePointId: point.restorePointId,
    targetUrl: `${h.ctx.settings.sources[0]!.url}/${name}`,
    overwrite: false,
  });

  it("copies the point server side (one Copy Blob, no byte through the function) and keeps it sparse", async () => {
    await h.emu.control.resetStats(h.backupPrefix);
    const phases: string[] = [];
    const out = await runRestoreDirect(h.ctx, input("sparse.vhd"), "run-sparse", {
      onStatus: (status) => {
        const { phase } = status as { phase: string };
        if (phases.at(-1) !== phase) phases.push(phase);
      },
    });
    // The target is complete when the phase moves on to promote, before the verification reads it.
    expect(phases).toEqual(["resolve", "copy", "promote", "verify", "complete", "completed"]);
    const stats = await h.emu.control.getStats(h.backupPrefix);
    expect(stats.operations.copyBlob?.requests).toBe(1);
    expect(stats.operations.putPage?.requests ?? 0).toBe(0);
    const promoted = h.backups.getPageBlobClient(blobNameOf(out.backupUrl)).withSnapshot(out.backupSnapshot);
    expect((await contentOf(promoted)).equals(want)).toBe(true);
    const pointSnapshot = h.backups
      .getPageBlobClient(blobNameOf(point.backupUrl))
      .withSnapshot(point.backupSnapshot);
    const ranges = async (b: typeof promoted) => (await b.getPageRanges(0, 12 * MiB)).pageRange;
    expect(await ranges(promoted)).toEqual(await ranges(pointSnapshot));
  });

  it("waits while the service reports the copy pending, then snapshots the promoted blob", async () => {
    await h.emu.control.setCopyPending(1500, h.backupPrefix);
    try {
      const started = Date.now();
      const out = await runRestoreDirect(h.ctx, input("pending.vhd"), "run-pending", {
        retryDelayScale: 0.2,
      });
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
      expect(h.logs.some((line) => line.includes("still copying restore point"))).toBe(true);
      expect((await contentOf(h.sources.getPageBlobClient("pending.vhd"))).equals(want)).toBe(true);
      const promoted = h.backups
        .getPageBlobClient(blobNameOf(out.backupUrl))
        .withSnapshot(out.backupSnapshot);
      expect((await contentOf(promoted)).equals(want)).toBe(true);
    } finally {
      await h.emu.control.setCopyPending(0, h.backupPrefix);
    }
  });

  it("starts the copy once: a step called again looks at the same copy, and says pending as a waitable code", async () => {
    const run = await resolveRestore(h.ctx, input("again.vhd"), "run-again");
    await h.emu.control.setCopyPending(60_000, h.backupPrefix);
    try {
      expect(await promoteRestorePoint(h.ctx, { run, wait: false })).toEqual({ copied: false, bytes: 0 });
      const promoted = h.backups.getPageBlobClient(blobNameOf(run.promotedUrl));
      const first = (await promoted.getProperties()).copyId;
      expect(await promoteRestorePoint(h.ctx, { run, wait: false })).toEqual({ copied: false, bytes: 0 });
      const error = await promoteRestorePoint(h.ctx, { run, wait: true }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CodedError);
      expect(error).toMatchObject({ code: COPY_PENDING });
      expect((error as CodedError).retryAfterMs).toBeGreaterThanOrEqual(5_000);
      expect((await promoted.getProperties()).copyId).toBe(first);
      // The service refuses a snapshot of a blob it is still copying into.
      await expect(promoted.createSnapshot()).rejects.toMatchObject({ statusCode: 409 });
    } finally {
      await h.emu.control.setCopyPending(0, h.backupPrefix);
    }
    expect(await promoteRestorePoint(h.ctx, { run, wait: true })).toEqual({ copied: true, bytes: 12 * MiB });
  });

  it("stops a copy still pending when the restore fails, and removes the promoted blob and the new disk", async () => {
    const run = await resolveRestore(h.ctx, input("failing.vhd"), "run-failing");
    const prepared = await prepareCopy(h.ctx, restoreCopyOf(run));
    const batches = prepared.batchBytes.length;
    const copy = restoreCopyOf(run);
    for (const step of pairedWindowsOf(preparedBatchesOf([copy], [prepared]), batches).flat())
      await copyBatch(h.ctx, step);
    await h.emu.control.setCopyPending(60_000, h.backupPrefix);
    try {
      expect(await promoteRestorePoint(h.ctx, { run, wait: false })).toEqual({ copied: false, bytes: 0 });
      const promoted = h.backups.getPageBlobClient(blobNameOf(run.promotedUrl));
      expect((await promoted.getProperties()).copyStatus).toBe("pending");
      await failRestore(h.ctx, { run, failure: { code: "VerificationFailed", message: "injected" } });
      expect(h.logs.filter((line) => line.includes("cleanup after failed restore"))).toEqual([]);
      expect(await promoted.exists()).toBe(false);
      expect(await h.sources.getPageBlobClient("failing.vhd").exists()).toBe(false);
      const recorded = await h.ctx.lineage.get(run.targetDiskId, run.newRestorePointId);
      expect(recorded).toMatchObject({ status: "failed" });
    } finally {
      await h.emu.control.setCopyPending(0, h.backupPrefix);
    }
  });

  it("never copies over a blob it did not create, and changes nothing", async () => {
    const run = await resolveRestore(h.ctx, input("taken.vhd"), "run-taken");
    const other = h.backups.getPageBlobClient(blobNameOf(run.promotedUrl));
    await other.create(MiB, { metadata: { owner: "someone" } });
    await other.uploadPages(Buffer.alloc(512, 7), 0, 512);
    await expect(promoteRestorePoint(h.ctx, { run, wait: false })).rejects.toThrow(/created by someone else/);
    const props = await other.getProperties();
    expect(props.metadata).toEqual({ owner: "someone" });
    expect(props.contentLength).toBe(MiB);
    expect((await other.downloadToBuffer(0, 512)).every((b) => b === 7)).toBe(true);
  });
});

// Chain breaks, disks added between runs, activities run twice, and the lease that keeps two runs
// from writing one backup blob at once; all against the storage emulator.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { beginDiskBackup } from "../../src/backup/begin";
import { completeDiskBackup } from "../../src/backup/complete";
import { copyBackupBatch } from "../../src/backup/copyBatch";
import { planDiskBackup } from "../../src/backup/plan";
import { selectDisks } from "../../src/backup/resolve";
import { type BeginResult, copyBatchInputs, type PlanResult } from "../../src/backup/types";
import { restorePointIdOf } from "../../src/lineage/restorePoint";
import { STAMP_HOLDS, STAMP_WRITING } from "../../src/lineage/stamp";
import { requireBlobUrl } from "../../src/storage/urls";
import {
  backupNow,
  createHarness,
  diskFor,
  expectSameBytes,
  type Harness,
  MiB,
  writeRandom,
} from "./support/harness";

describe("backup safety (against the emulator)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness("safety");
  });
  afterAll(async () => h?.cleanup());

  it("falls back to a full sparse copy when the previous source snapshot is gone, and records why", async () => {
    const blob = h.sources.getPageBlobClient("chain.vhd");
    await blob.create(16 * MiB);
    await writeRandom(blob, 2 * MiB, 3 * MiB);
    await writeRandom(blob, 10 * MiB, MiB);
    const first = await backupNow(h, "chain.vhd");
    expect(first.status).toBe("completed");
    await blob.withSnapshot(first.restorePoint.sourceSnapshot).delete();
    await blob.clearPages(10 * MiB, MiB); // the full copy must clear this in the existing backup blob
    await writeRandom(blob, 14 * MiB, 512);
    await h.emu.control.resetStats(h.backupPrefix);
    const second = await backupNow(h, "chain.vhd");
    expect(second.status, second.restorePoint.reason ?? "").toBe("completed");
    expect(second.restorePoint.kind).toBe("full");
    expect(second.restorePoint.parentRestorePointId).toBeNull();
    expect(second.restorePoint.reason).toMatch(/previous source snapshot .* not found/);
    expect(second.restorePoint.changedBytes).toBe(3 * MiB + 512);
    expect(second.restorePoint.clearedBytes).toBe(MiB);
    const bytes = await expectSameBytes(h, "chain.vhd", second.restorePoint);
    expect(bytes.backup.equals(bytes.source)).toBe(true);
  });

  it("falls back to full when the diff says the blob was overwritten", async () => {
    const blob = h.sources.getPageBlobClient("overwritten.vhd");
    await blob.create(8 * MiB);
    await writeRandom(blob, 0, MiB);
    expect((await backupNow(h, "overwritten.vhd")).status).toBe("completed");
    await blob.create(8 * MiB); // Put Blob over the disk: the chain is broken
    await writeRandom(blob, 4 * MiB, MiB);
    const second = await backupNow(h, "overwritten.vhd");
    expect(second.status, second.restorePoint.reason ?? "").toBe("completed");
    expect(second.restorePoint.kind).toBe("full");
    expect(second.restorePoint.reason).toMatch(/chain break: BlobOverwritten/);
    const bytes = await expectSameBytes(h, "overwritten.vhd", second.restorePoint);
    expect(bytes.backup.equals(bytes.source)).toBe(true);
  });

  it("discovers a disk added between runs and skips other blob types", async () => {
    const before = await selectDisks(h.ctx, undefined);
    const blob = h.sources.getPageBlobClient("added-later.vhd");
    await blob.create(4 * MiB);
    await writeRandom(blob, MiB, MiB);
    await h.sources.getBlockBlobClient("notes.txt").upload("hello", 5);
    const after = await selectDisks(h.ctx, undefined);
    const added = diskFor(h, "added-later.vhd");
    expect(before.disks.map((d) => d.id)).not.toContain(added.id);
    expect(after.disks.map((d) => d.id)).toContain(added.id);
    expect(after.disks).toHaveLength(before.disks.length + 1);
    expect(h.logs.some((l) => l.includes("notes.txt") && l.includes("not a page blob"))).toBe(true);
    const run = await backupNow(h, "added-later.vhd");
    expect(run.restorePoint).toMatchObject({ status: "completed", kind: "full", changedBytes: MiB });
  });

  it("gives the same result when every activity runs twice", async () => {
    const blob = h.sources.getPageBlobClient("twice.vhd");
    await blob.create(16 * MiB);
    await writeRandom(blob, 0, 12 * MiB);
    const disk = diskFor(h, "twice.vhd");
    const startedAt = new Date().toISOString();
    const ref = {
      diskId: disk.id,
      sourceUrl: disk.source.url,
      runId: "twice",
      restorePointId: restorePointIdOf(startedAt, randomBytes(4).toString("hex")),
      startedAt,
    };
    const begin1 = await beginDiskBackup(h.ctx, ref);
    const begin2 = await beginDiskBackup(h.ctx, ref);
    expect(begin2).toEqual(begin1);
    const plan1 = await planDiskBackup(h.ctx, begin1);
    const plan2 = await planDiskBackup(h.ctx, begin1);
    // the second plan also lists the (now existing) backup blob; everything else is identical
    expect({ ...plan2, listRequests: 0 }).toEqual({ ...plan1, listRequests: 0 });
    expect(plan1.batchBytes.length).toBeGreaterThan(1);
    for (const input of copyBatchInputs(begin1, plan1)) {
      await copyBackupBatch(h.ctx, input);
      await copyBackupBatch(h.ctx, input);
    }
    const rp1 = await completeDiskBackup(h.ctx, { run: begin1, plan: plan1 });
    const rp2 = await completeDiskBackup(h.ctx, { run: begin1, plan: plan1 });
    expect(rp2.backupSnapshot).toBe(rp1.backupSnapshot);
    const points = await h.ctx.lineage.list(disk.id);
    expect(points.filter((p) => p.restorePointId === ref.restorePointId)).toHaveLength(1);
    let sourceSnaps = 0;
    for await (const b of h.sources.listBlobsFlat({ prefix: "twice.vhd", includeSnapshots: true })) {
      if (b.snapshot) sourceSnaps++;
    }
    expect(sourceSnaps).toBe(1);
    let backupSnaps = 0;
    for await (const b of h.backups.listBlobsFlat({ includeSnapshots: true })) {
      if (b.snapshot && b.name.endsWith("twice.vhd")) backupSnaps++;
    }
    expect(backupSnaps).toBe(1);
    const bytes = await expectSameBytes(h, "twice.vhd", rp1);
    expect(bytes.backup.equals(bytes.source)).toBe(true);
  });

  it("prunes the older snapshots its begin found (or lists them, for an older build's begin); never another's", async () => {
    const name = "prune.vhd";
    const blob = h.sources.getPageBlobClient(name);
    await blob.create(8 * MiB);
    await writeRandom(blob, 0, MiB);
    const first = await backupNow(h, name);
    const others = (await blob.createSnapshot()).snapshot ?? ""; // someone else's: no tags of ours
    const snapshotsNow = async () => {
      const found: string[] = [];
      for await (const b of h.sources.listBlobsFlat({ prefix: name, includeSnapshots: true }))
        if (b.snapshot) found.push(b.snapshot);
      return found.sort();
    };

    // Step by step, with the begin result an older build returned (without the snapshots to prune).
    await writeRandom(blob, 2 * MiB, MiB);
    const disk = diskFor(h, name);
    const startedAt = new Date().toISOString();
    const run = await beginDiskBackup(h.ctx, {
      diskId: disk.id,
      sourceUrl: disk.source.url,
      runId: "prune-older",
      restorePointId: restorePointIdOf(startedAt, randomBytes(4).toString("hex")),
      startedAt,
    });
    expect([run.mode, run.olderSourceSnapshots]).toEqual([
      "incremental",
      [first.restorePoint.sourceSnapshot],
    ]);
    const plan = await planDiskBackup(h.ctx, run);
    for (const input of copyBatchInputs(run, plan)) await copyBackupBatch(h.ctx, input);
    const { olderSourceSnapshots: _found, ...older } = run;
    await completeDiskBackup(h.ctx, { run: older, plan });
    expect(await snapshotsNow()).toEqual([others, run.sourceSnapshot].sort());

    // Today's begin names them, and the completion deletes exactly those.
    await writeRandom(blob, 4 * MiB, MiB);
    const third = await backupNow(h, name);
    expect(third.begin?.olderSourceSnapshots).toEqual([run.sourceSnapshot]);
    expect(await snapshotsNow()).toEqual([others, third.restorePoint.sourceSnapshot].sort());
    const bytes = await expectSameBytes(h, name, third.restorePoint);
    expect(bytes.backup.equals(bytes.source)).toBe(true);
  });

  it("reads the backup blob again when it changed since begin; keeps metadata it did not write", async () => {
    const name = "seen.vhd";
    const blob = h.sources.getPageBlobClient(name);
    await blob.create(8 * MiB);
    await writeRandom(blob, 0, MiB);
    const first = await backupNow(h, name);
    const backup = h.ctx.storage.pageBlob(requireBlobUrl(first.restorePoint.backupUrl));
    const metadataNow = async () => (await backup.getProperties()).metadata ?? {};
    await backup.setMetadata({ ...(await metadataNow()), owner: "ops" });
    const disk = diskFor(h, name);
    const refOf = (runId: string) => {
      const startedAt = new Date().toISOString();
      const restorePointId = restorePointIdOf(startedAt, randomBytes(4).toString("hex"));
      return { diskId: disk.id, sourceUrl: disk.source.url, runId, restorePointId, startedAt };
    };
    const copyAndComplete = async (run: BeginResult, plan: PlanResult) => {
      for (const input of copyBatchInputs(run, plan)) await copyBackupBatch(h.ctx, input);
      return completeDiskBackup(h.ctx, { run, plan });
    };

    // Another writer stamps the blob between begin and plan: the lease's ETag differs, the plan reads it.
    await writeRandom(blob, 2 * MiB, MiB);
    const run = await beginDiskBackup(h.ctx, refOf("seen-changed"));
    expect([run.mode, run.backupBlob?.metadata.owner]).toEqual(["incremental", "ops"]);
    await backup.setMetadata({ ...(await metadataNow()), [STAMP_WRITING]: "someone-else" });
    const plan = await planDiskBackup(h.ctx, run);
    expect(plan.mode).toBe("full");
    expect(plan.reason).toMatch(/chain check: run of restore point someone-else/);
    const second = await copyAndComplete(run, plan);
    expect(await metadataNow()).toEqual({ owner: "ops", [STAMP_HOLDS]: second.restorePointId });

    // An older build's payloads (no blob seen by begin, no metadata from the plan): both read it.
    await writeRandom(blob, 4 * MiB, MiB);
    const { backupBlob: _seen, ...older } = await beginDiskBackup(h.ctx, refOf("seen-older"));
    const { backupMetadata: _left, ...olderPlan } = await planDiskBackup(h.ctx, older);
    expect(olderPlan.mode).toBe("incremental");
    const third = await copyAndComplete(older, olderPlan);
    expect(await metadataNow()).toEqual({ owner: "ops", [STAMP_HOLDS]: third.restorePointId });

    // Today's steps carry both and leave the same metadata.
    await writeRandom(blob, 6 * MiB, MiB);
    const fourth = await backupNow(h, name);
    expect(fourth.restorePoint.kind).toBe("incremental");
    expect(await metadataNow()).toEqual({ owner: "ops", [STAMP_HOLDS]: fourth.restorePoint.restorePointId });
    const bytes = await expectSameBytes(h, name, fourth.restorePoint);
    expect(bytes.backup.equals(bytes.source)).toBe(true);
  });

  it("refuses to write a backup blob leased by another run, and records the failure", async () => {
    const blob = h.sources.getPageBlobClient("leased.vhd");
    await blob.create(4 * MiB);
    await writeRandom(blob, 0, MiB);
    expect((await backupNow(h, "leased.vhd")).status).toBe("completed");
    await writeRandom(blob, 2 * MiB, MiB);
    const disk = diskFor(h, "leased.vhd");
    const other = h.backups.getPageBlobClient(disk.backup.blobName ?? "").getBlobLeaseClient();
    await other.acquireLease(60);
    try {
      await h.emu.control.resetStats(h.backupPrefix);
      const run = await backupNow(h, "leased.vhd");
      expect(run.status).toBe("failed");
      expect(run.restorePoint.status).toBe("failed");
      expect(run.restorePoint.reason).toMatch(/leased by another writer/);
      const stats = await h.emu.control.getStats(h.backupPrefix);
      expect(stats.operations.putPageFromUrl?.requests ?? 0).toBe(0);
      const latest = await h.ctx.lineage.latestCompleted(disk.id);
      expect(latest?.restorePointId).not.toBe(run.restorePoint.restorePointId);
      // the failed run's source snapshot is removed; the one the next diff needs is kept
      const snaps: string[] = [];
      for await (const b of h.sources.listBlobsFlat({ prefix: "leased.vhd", includeSnapshots: true })) {
        if (b.snapshot) snaps.push(b.snapshot);
      }
      expect(snaps).toEqual([latest?.sourceSnapshot]);
    } finally {
      await other.releaseLease();
    }
    const retry = await backupNow(h, "leased.vhd");
    expect(retry.restorePoint).toMatchObject({ status: "completed", kind: "incremental", changedBytes: MiB });
  });
});

// An incremental is applied only onto the restore point it continues: whenever the backup blob does not
// hold exactly the lineage's newest point (recreated outside the app, left half-written by a failed run,
// created by a retried plan step, overwritten with an older point, its restore point's snapshot gone),
// the next backup is full, says why, and every restore point still equals its source snapshot.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { beginDiskBackup } from "../../src/backup/begin";
import { completeDiskBackup } from "../../src/backup/complete";
import { copyBackupBatch } from "../../src/backup/copyBatch";
import { lockOwnerOfRun } from "../../src/backup/ownership";
import { planDiskBackup } from "../../src/backup/plan";
import { copyBatchInputs } from "../../src/backup/types";
import { restorePointIdOf } from "../../src/lineage/restorePoint";
import {
  backupNow,
  blobNameOf,
  createHarness,
  diskFor,
  expectSameBytes,
  type Harness,
  MiB,
  writeRandom,
} from "./support/harness";

describe("backup chain integrity (against the emulator)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness("chain", { maxBatches: 4 });
  });
  afterAll(async () => h?.cleanup());

  async function disk(name: string, sizeMiB = 8) {
    const blob = h.sources.getPageBlobClient(name);
    await blob.create(sizeMiB * MiB);
    await writeRandom(blob, 0, 2 * MiB);
    await writeRandom(blob, 5 * MiB, MiB);
    const first = await backupNow(h, name);
    expect(first.status, first.restorePoint.reason ?? "").toBe("completed");
    const backup = h.backups.getPageBlobClient(blobNameOf(first.restorePoint.backupUrl));
    return { blob, backup, first };
  }

  async function expectFullAndExact(name: string, reason: RegExp) {
    const next = await backupNow(h, name);
    expect(next.status, next.restorePoint.reason ?? "").toBe("completed");
    expect(next.restorePoint.kind).toBe("full");
    expect(next.restorePoint.reason).toMatch(reason);
    const bytes = await expectSameBytes(h, name, next.restorePoint);
    expect(bytes.backup.equals(bytes.source)).toBe(true);
    // and the chain goes on incrementally from there
    await writeRandom(h.sources.getPageBlobClient(name), 7 * MiB, 512);
    const after = await backupNow(h, name);
    expect(after.restorePoint).toMatchObject({ status: "completed", kind: "incremental", changedBytes: 512 });
    const again = await expectSameBytes(h, name, after.restorePoint);
    expect(again.backup.equals(again.source)).toBe(true);
  }

  it("goes full when the backup blob was deleted and recreated outside the app", async () => {
    const { blob, backup } = await disk("recreated.vhd");
    await writeRandom(blob, 6 * MiB, 4096);
    await backup.delete({ deleteSnapshots: "include" });
    await backup.create(8 * MiB);
    await backup.uploadPages(randomBytes(MiB), 0, MiB);
    await expectFullAndExact("recreated.vhd", /chain check: .*no stamp/);
  });

  it("goes full after a run that wrote into the backup blob and did not complete", async () => {
    const { blob, backup } = await disk("halfdone.vhd");
    // the backup blob was lost, so the next run creates it and copies in full, but fails half-way
    await backup.delete({ deleteSnapshots: "include" });
    await writeRandom(blob, 2 * MiB, 6 * MiB);
    const d = diskFor(h, "halfdone.vhd");
    const startedAt = new Date().toISOString();
    const ref = {
      diskId: d.id,
      sourceUrl: d.source.url,
      runId: "half",
      restorePointId: restorePointIdOf(startedAt, "0badc0de"),
      startedAt,
    };
    const run = await beginDiskBackup(h.ctx, ref);
    expect(run.mode).toBe("full");
    const plan = await planDiskBackup(h.ctx, run);
    expect(plan.batchBytes.length).toBeGreaterThan(1);
    await copyBackupBatch(h.ctx, copyBatchInputs(run, plan)[0]!); // ... and then the run dies
    // its lease and its disk lock expire long before the next window
    await backup.getBlobLeaseClient().breakLease(0);
    await h.ctx.locks.release(d.id, lockOwnerOfRun(ref));
    await expectFullAndExact("halfdone.vhd", /chain check: run of restore point .* did not complete/);
  });

  it("goes full when a retried plan step finds the blob its first attempt created", async () => {
    const { blob, backup } = await disk("retried.vhd");
    await writeRandom(blob, 4 * MiB, MiB);
    const d = diskFor(h, "retried.vhd");
    const startedAt = new Date().toISOString();
    const ref = {
      diskId: d.id,
      sourceUrl: d.source.url,
      runId: "retry",
      restorePointId: restorePointIdOf(startedAt, "feedf00d"),
      startedAt,
    };
    const run = await beginDiskBackup(h.ctx, ref);
    expect(run.mode).toBe("incremental");
    await backup.delete({ deleteSnapshots: "include" }); // lost between begin and plan
    await planDiskBackup(h.ctx, run); // first attempt creates the blob, then its activity is lost
    const plan = await planDiskBackup(h.ctx, run); // the retry
    expect(plan.mode).toBe("full");
    expect(plan.reason).toMatch(/chain check/);
    for (const input of copyBatchInputs(run, plan)) await copyBackupBatch(h.ctx, input);
    const point = await completeDiskBackup(h.ctx, { run, plan });
    expect(point.kind).toBe("full");
    const bytes = await expectSameBytes(h, "retried.vhd", point);
    expect(bytes.backup.equals(bytes.source)).toBe(true);
  });

  it("goes full when the backup blob holds an older restore point", async () => {
    const { blob, backup, first } = await disk("rolledback.vhd");
    await writeRandom(blob, 1 * MiB, MiB);
    const second = await backupNow(h, "rolledback.vhd");
    expect(second.restorePoint.kind).toBe("incremental");
    // someone puts the first restore point's data back over the backup blob, with its stamp
    const data = await backup.withSnapshot(first.restorePoint.backupSnapshot).downloadToBuffer();
    for (let o = 0; o < data.length; o += 4 * MiB) {
      await backup.uploadPages(data.subarray(o, o + 4 * MiB), o, 4 * MiB);
    }
    await backup.setMetadata({ backupholds: first.restorePoint.restorePointId });
    await writeRandom(blob, 6 * MiB, 4096);
    await expectFullAndExact("rolledback.vhd", /chain check: the backup blob holds restore point/);
  });

  it("goes full when the newest restore point's backup snapshot is gone", async () => {
    const { blob, backup, first } = await disk("nosnap.vhd");
    await backup.withSnapshot(first.restorePoint.backupSnapshot).delete();
    await writeRandom(blob, 2 * MiB, 512);
    await expectFullAndExact("nosnap.vhd", /chain check: backup snapshot .* not found/);
  });
});

// A restore target is never backed up half-written: it carries the unfinished-restore mark from before its
// first byte until the restore is recorded, discovery skips a marked blob, and a failed restore whose
// target the least-privilege role may not delete (the emulator refuses Delete Blob without a snapshot,
// as the ABAC condition of infra/modules/source-access.bicep does) empties it and leaves it marked.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { resolveBackupDisks } from "../../src/backup/resolve";
import { discover } from "../../src/disks/discovery";
import { completeRestore } from "../../src/restore/complete";
import { failRestore } from "../../src/restore/fail";
import {
  pairedWindowsOf,
  preparedBatchesOf,
  promotedSnapshotOf,
  restoreCopyOf,
  verifyInputsOf,
} from "../../src/restore/phases";
import { promoteRestorePoint } from "../../src/restore/promote";
import { resolveRestore } from "../../src/restore/resolve";
import { snapshotBlob } from "../../src/restore/snapshot";
import { copyBatch, prepareCopy } from "../../src/restore/sparseCopy";
import type { CopyPhase, RestoreRun } from "../../src/restore/types";
import { verifyPart } from "../../src/restore/verify";
import { TAG_RESTORE_RUN } from "../../src/storage/tags";
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

async function runCopy(h: Harness, copy: CopyPhase, batches?: number) {
  const prepared = await prepareCopy(h.ctx, copy);
  const all = prepared.batchBytes.length;
  const inputs = pairedWindowsOf(preparedBatchesOf([copy], [prepared]), all).flat();
  for (const input of inputs.slice(0, batches ?? all)) await copyBatch(h.ctx, input);
  return prepared;
}

describe("half-written restore targets (against the emulator)", () => {
  let h: Harness;
  let diskId = "";
  let restorePointId = "";
  let original: Buffer;

  const input = (name: string) => ({
    diskId,
    restorePointId,
    targetUrl: `${h.ctx.settings.sources[0]!.url}/${name}`,
    overwrite: false,
  });
  const discovered = async () => {
    const found = await discover(h.ctx.settings, h.ctx.storage);
    return {
      disks: found.disks.map((d) => (d.kind === "pageBlob" ? d.source.blobName : d.id)),
      skipped: found.skipped,
    };
  };

  beforeAll(async () => {
    // small batches, so a restore can be stopped part way
    h = await createHarness("rclean", { minBatchBytes: MiB, maxBatches: 8 });
    const blob = h.sources.getPageBlobClient("vm.vhd");
    await blob.create(6 * MiB);
    await writeRandom(blob, 0, MiB);
    await writeRandom(blob, 4 * MiB, 2 * MiB);
    original = await contentOf(blob);
    const result = await backupNow(h, "vm.vhd");
    expect(result.status, result.restorePoint.reason ?? "").toBe("completed");
    diskId = diskFor(h, "vm.vhd").id;
    restorePointId = result.restorePoint.restorePointId;
  });
  afterEach(async () => h?.emu.control.setFaults([]));
  afterAll(async () => h?.cleanup());

  it("skips the target while the restore runs, and takes it once the restore is recorded", async () => {
    const run: RestoreRun = await resolveRestore(h.ctx, input("during.vhd"), "during");
    // one batch of the target written: a half disk
    const first = await runCopy(h, restoreCopyOf(run), 1);
    expect(first.batchBytes.length).toBeGreaterThan(1);
    const target = h.sources.getPageBlobClient("during.vhd");
    expect((await target.getProperties()).metadata?.[TAG_RESTORE_RUN]).toBe(run.newRestorePointId);
    const during = await discovered();
    expect(during.disks).toEqual(["vm.vhd"]);
    expect(during.skipped).toEqual([
      {
        diskId: run.targetDiskId,
        sourceUrl: run.targetUrl,
        reason: expect.stringMatching(
          new RegExp(`restore point ${run.newRestorePointId}\\) has not completed`),
        ),
      },
    ]);
    const resolved = await resolveBackupDisks(h.ctx, undefined);
    expect(resolved.disks.map((d) => d.diskId)).not.toContain(run.targetDiskId);
    expect(resolved.skipped.map((s) => s.diskId)).toContain(run.targetDiskId);

    // finish the restore step by step, as the orchestration does (the point promoted beside the verification)
    const copied = await runCopy(h, restoreCopyOf(run));
    await promoteRestorePoint(h.ctx, { run, wait: false });
    const verified = [];
    for (const part of verifyInputsOf(run, "full", copied, undefined))
      verified.push(await verifyPart(h.ctx, part));
    expect(await promoteRestorePoint(h.ctx, { run, wait: true })).toEqual({ copied: true, bytes: 6 * MiB });
    const promotedSnapshot = await snapshotBlob(h.ctx, promotedSnapshotOf(run));
    await completeRestore(h.ctx, { run, mode: "full", promotedSnapshot, copied, verified });
    const props = await target.getProperties();
    expect(props.metadata?.[TAG_RESTORE_RUN]).toBeUndefined();
    expect(props.leaseState).toBe("available");
    expect((await contentOf(target)).equals(original)).toBe(true);
    const after = await discovered();
    expect(after.disks).toEqual(["during.vhd", "vm.vhd"]);
    expect(after.skipped).toEqual([]);
    // and the restored disk's next backup continues its chain
    const next = await backupNow(h, "during.vhd");
    expect(next.restorePoint).toMatchObject({ status: "completed", kind: "incremental", changedBytes: 0 });
  });

  it("empties and keeps marked a target the role may not delete, never backs it up, and says why", async () => {
    const run = await resolveRestore(h.ctx, input("halfway.vhd"), "halfway");
    await runCopy(h, restoreCopyOf(run), 1);
    const target = h.sources.getPageBlobClient("halfway.vhd");
    expect((await target.getProperties()).contentLength).toBe(6 * MiB);
    // The source role's condition: Delete Blob only with ?snapshot=.
    await h.emu.control.setFaults([
      {
        operations: ["deleteBlob"],
        pathPrefix: `${h.sourcePrefix}/halfway.vhd`,
        exceptQuery: ["snapshot"],
        rate: 1,
        kind: "permissionDenied",
      },
    ]);
    // a step that failed with an empty message (a storage error answered to a HEAD request has none)
    await failRestore(h.ctx, { run, failure: { code: "StepFailed", message: "" } });
    expect((await h.emu.control.getFaultCounts()).permissionDenied).toBeGreaterThanOrEqual(1);

    const props = await target.getProperties();
    expect(props.contentLength).toBe(0);
    expect(props.metadata?.[TAG_RESTORE_RUN]).toBe(run.newRestorePointId);
    expect(props.leaseState).toBe("available");
    // what the role may delete is deleted: the promoted blob in the backup container
    expect(await h.backups.getPageBlobClient(blobNameOf(run.promotedUrl)).exists()).toBe(false);
    const row = await h.ctx.lineage.get(run.targetDiskId, run.newRestorePointId);
    expect(row?.status).toBe("failed");
    expect(row?.reason).toMatch(/^StepFailed \(the failing step gave no message\)/);
    expect(row?.reason).toMatch(/could not be deleted .* emptied .* never backed up; delete it/);

    const found = await discovered();
    expect(found.disks).not.toContain("halfway.vhd");
    expect(found.skipped.find((s) => s.diskId === run.targetDiskId)?.reason).toMatch(/has not completed/);
    const resolved = await resolveBackupDisks(h.ctx, [run.targetDiskId, diskId]);
    expect(resolved).toMatchObject({
      disks: [{ diskId }],
      skipped: [{ diskId: run.targetDiskId, reason: expect.stringMatching(/never backed up/) }],
      unknown: [],
    });
  });
});

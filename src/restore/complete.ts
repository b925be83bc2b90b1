// Last step of a restore: snapshot the new disk (the diff base of its next backup), record the first
// restore point of its chain, remove the unfinished-restore mark, then release the target and drop the
// run's batch documents.
import type { AppContext } from "../app/context";
import { deleteRun } from "../copy/runStore";
import { writeStamp } from "../lineage/stamp";
import { messageOf } from "../storage/errors";
import { holdLease, releaseLease } from "../storage/lease";
import { ensureSnapshot } from "../storage/snapshots";
import { requireBlobUrl } from "../storage/urls";
import { unmarkFinished } from "./mark";
import { lockOwnerOfRestore, runKeyOf, snapshotTagOf } from "./naming";
import { restoredPointOf } from "./record";
import type { CompleteRestoreInput, CopyPhaseName, RestoreOutput, RestoreRun } from "./types";
import { combineVerification } from "./verify";

/** Housekeeping shared by success and failure: never turns either into something else. */
export async function releaseRun(ctx: AppContext, run: RestoreRun): Promise<void> {
  const backups = ctx.storage.container(ctx.settings.target);
  const phases: CopyPhaseName[] = ["safety", "promote", "restore"];
  const results = await Promise.allSettled([
    // A managed disk target is held by the disk lock and its upload SAS, not by a lease.
    run.targetDisk
      ? Promise.resolve()
      : releaseLease(ctx.storage.pageBlob(requireBlobUrl(run.targetUrl)), run.leaseId),
    ctx.locks.release(run.targetDiskId, lockOwnerOfRestore(run)),
    ...phases.map((phase) => deleteRun(backups, run.targetDiskId, runKeyOf(run.newRestorePointId, phase))),
  ]);
  for (const r of results)
    if (r.status === "rejected") ctx.log(`cleanup after restore: ${messageOf(r.reason)}`);
}

export async function completeRestore(ctx: AppContext, input: CompleteRestoreInput): Promise<RestoreOutput> {
  const { run, copied } = input;
  const target = requireBlobUrl(run.targetUrl);
  const verification = combineVerification(input.verified);
  await ctx.locks.renew(run.targetDiskId, lockOwnerOfRestore(run), ctx.tuning.lockTtlMs);
  // The lease may have lapsed between activities: take it again (fails if someone else holds it now).
  await holdLease(ctx.storage.pageBlob(target), run.leaseId, ctx.tuning.leaseSeconds);
  const targetSnapshot = await ensureSnapshot(ctx.storage.container(target), target, {
    tag: snapshotTagOf(run.targetDiskId, run.newRestorePointId),
    leaseId: run.leaseId,
  });
  const point = restoredPointOf(
    run,
    {
      targetSnapshot,
      promotedSnapshot: input.promotedSnapshot,
      sizeBytes: copied.sizeBytes,
      writeBytes: copied.writeBytes,
      clearBytes: copied.clearBytes,
      rangeCount: copied.rangeCount,
    },
    verification,
  );
  // The promoted blob holds the new chain's first point: the new disk's next backup continues it.
  await writeStamp(ctx.storage.pageBlob(requireBlobUrl(run.promotedUrl)), {
    holds: point.restorePointId,
    writing: undefined,
  });
  await ctx.lineage.upsert(point);
  // Recorded: the new disk is a disk now, and the next backup may take it.
  await unmarkFinished(ctx.storage.pageBlob(target), run.newRestorePointId, run.leaseId);
  await releaseRun(ctx, run);
  ctx.log(
    `restore ${run.diskId}/${run.restorePointId} → ${run.targetUrl}: restore point ${point.restorePointId}`,
  );
  return {
    restoredDiskUrl: run.targetUrl,
    diskId: run.targetDiskId,
    restorePointId: point.restorePointId,
    restoredFrom: { diskId: run.diskId, restorePointId: run.restorePointId },
    safetyRestorePointId: run.safety?.restorePointId ?? null,
    backupUrl: point.backupUrl,
    backupSnapshot: point.backupSnapshot,
    sourceSnapshot: point.sourceSnapshot,
    verification,
  };
}

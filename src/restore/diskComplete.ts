// Last step of a restore to a managed disk: end the upload (the service checks the footer), snapshot the
// new disk (the diff base of its next backup), record the first restore point of its chain with the
// managed-disk columns, stamp the promoted blob, remove the unfinished-restore tag, release the run.
import type { AppContext } from "../app/context";
import { writeStamp } from "../lineage/stamp";
import { requireBlobUrl } from "../storage/urls";
import { releaseRun } from "./complete";
import { finishDisk, restoredDiskColumns, unmarkDisk } from "./managedTarget";
import { lockOwnerOfRestore } from "./naming";
import { restoredPointOf } from "./record";
import type { CompleteRestoreInput, RestoreOutput } from "./types";
import { combineVerification } from "./verify";

export async function completeDiskRestore(
  ctx: AppContext,
  input: CompleteRestoreInput,
): Promise<RestoreOutput> {
  const { run, copied } = input;
  const verification = combineVerification(input.verified);
  await ctx.locks.renew(run.targetDiskId, lockOwnerOfRestore(run), ctx.tuning.lockTtlMs);
  const restored = await finishDisk(ctx, run);
  const point = {
    ...restoredPointOf(
      run,
      {
        targetSnapshot: restored.sourceSnapshot,
        promotedSnapshot: input.promotedSnapshot,
        sizeBytes: copied.sizeBytes,
        writeBytes: copied.writeBytes,
        clearBytes: copied.clearBytes,
        rangeCount: copied.rangeCount,
      },
      verification,
    ),
    ...restoredDiskColumns(run, restored),
  };
  // The promoted blob holds the new chain's first point: the new disk's next backup continues it.
  await writeStamp(ctx.storage.pageBlob(requireBlobUrl(run.promotedUrl)), {
    holds: point.restorePointId,
    writing: undefined,
  });
  await ctx.lineage.upsert(point);
  await unmarkDisk(ctx, run, restored.disk);
  await releaseRun(ctx, run);
  ctx.log(
    `restore ${run.diskId}/${run.restorePointId} → ${run.targetUrl}: restore point ${point.restorePointId}`,
  );
  return {
    restoredDiskUrl: run.targetUrl,
    diskId: run.targetDiskId,
    restorePointId: point.restorePointId,
    restoredFrom: { diskId: run.diskId, restorePointId: run.restorePointId },
    safetyRestorePointId: null,
    backupUrl: point.backupUrl,
    backupSnapshot: point.backupSnapshot,
    sourceSnapshot: point.sourceSnapshot,
    verification,
  };
}

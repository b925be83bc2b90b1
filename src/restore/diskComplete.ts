// Last step of a restore to a managed disk: end the upload (the service checks the footer), snapshot the
// new disk (the diff base of its next backup), record the first restore point of its chain with the
// managed-disk columns, stamp the promoted blob, remove the unfinished-restore tag, release the run.
import type { Disk } from "@azure/arm-compute";
import { SNAPSHOT_PENDING } from "../app/codes";
import type { AppContext } from "../app/context";
import { CodedError } from "../app/result";
import { findDisk, revokeDiskAccess, setDiskTags } from "../compute/disks";
import { armCodeOf, armStatusOf } from "../compute/errors";
import { backupSnapshotName, type ComputeRef, snapshotGroupFor, snapshotRef } from "../compute/resourceIds";
import { pendingWaitMs, readiness, takeIncrementalSnapshot } from "../compute/snapshots";
import type { RestorePoint, SourceDiskFacts } from "../lineage/restorePoint";
import { writeStamp } from "../lineage/stamp";
import { messageOf } from "../storage/errors";
import { runTag, TAG_RESTORE_RUN } from "../storage/tags";
import { requireBlobUrl } from "../storage/urls";
import { releaseRun } from "./complete";
import { DISK_VERIFY_METHOD, diskBytesOf, targetRefOf } from "./managedTarget";
import { lockOwnerOfRestore } from "./naming";
import { restoredPointOf } from "./record";
import type { CompleteRestoreInput, RestoreOutput, RestoreRun } from "./types";
import { combineVerification } from "./verify";

/** Ends the upload: the service checks the footer; a refusal is final (the same bytes stay refused). */
async function endUpload(ctx: AppContext, ref: ComputeRef): Promise<void> {
  try {
    await revokeDiskAccess(ctx.compute, ref);
  } catch (error) {
    if (armStatusOf(error) === 400) {
      throw new CodedError(
        armCodeOf(error) ?? "UploadRefused",
        `the upload to ${ref.id} was refused: ${messageOf(error)}`,
      );
    }
    throw error;
  }
}

/** The first restore point of the new disk's chain: the managed-disk columns of a `restored` row. */
export interface RestoredDisk {
  disk: Disk;
  snapshotResourceId: string;
  /** The snapshot's creation time (the data's time). */
  sourceSnapshot: string;
}

/** Revokes the upload (the disk becomes attachable) and takes the new disk's first snapshot. */
export async function finishDisk(ctx: AppContext, run: RestoreRun): Promise<RestoredDisk> {
  const ref = targetRefOf(run);
  await endUpload(ctx, ref);
  const disk = await findDisk(ctx.compute, ref);
  if (!disk) throw new Error(`${ref.id} is gone`);
  const wait = { waitMs: ctx.tuning.armWaitMs };
  const snapRef = snapshotRef(
    snapshotGroupFor(ctx.settings.snapshotResourceGroup, ref),
    backupSnapshotName(ref.name, run.newRestorePointId),
  );
  const snapshot = await takeIncrementalSnapshot(
    ctx.compute,
    snapRef,
    disk,
    runTag(run.targetDiskId, run.newRestorePointId),
    wait,
  );
  const ready = readiness(snapshot);
  if (!ready.readable) {
    throw new CodedError(
      SNAPSHOT_PENDING,
      `snapshot ${snapRef.name} of the new disk is ${ready.percent}% copied: waiting`,
      {
        retryAfterMs: pendingWaitMs(ready.percent, wait),
      },
    );
  }
  return {
    disk,
    snapshotResourceId: snapshot.id ?? snapRef.id,
    sourceSnapshot: (snapshot.timeCreated ?? new Date()).toISOString(),
  };
}

/** The managed-disk columns of the new disk's first restore point. */
export function restoredDiskColumns(run: RestoreRun, restored: RestoredDisk): Partial<RestorePoint> {
  const { disk } = restored;
  const facts: SourceDiskFacts = {
    location: disk.location ?? run.targetDisk?.location ?? "",
    sku: disk.sku?.name ?? run.targetDisk?.sku ?? "Standard_LRS",
    diskSizeBytes: diskBytesOf(run),
    ...(disk.osType ? { osType: disk.osType } : {}),
    ...(disk.hyperVGeneration ? { hyperVGeneration: disk.hyperVGeneration } : {}),
  };
  return {
    sourceSnapshot: restored.sourceSnapshot,
    diskSizeBytes: diskBytesOf(run),
    sourceKind: "managedDisk",
    sourceResourceId: disk.id ?? run.targetUrl,
    sourceUniqueId: disk.uniqueId ?? "",
    snapshotResourceId: restored.snapshotResourceId,
    sourceDisk: JSON.stringify(facts),
  };
}

/** Recorded: the disk is a disk now, and its backups may take it (the mark goes). */
export async function unmarkDisk(ctx: AppContext, run: RestoreRun, disk: Disk): Promise<void> {
  const tags = { ...(disk.tags ?? {}) };
  if (tags[TAG_RESTORE_RUN] !== run.newRestorePointId) return;
  delete tags[TAG_RESTORE_RUN];
  await setDiskTags(ctx.compute, targetRefOf(run), disk, tags);
}

export async function completeDiskRestore(
  ctx: AppContext,
  input: CompleteRestoreInput,
): Promise<RestoreOutput> {
  const { run, copied } = input;
  // A new disk is always restored in full: the promoted blob was copied and snapshotted before.
  if (input.promotedSnapshot === null) throw new Error("a restore to a new disk has a promoted snapshot");
  const { promotedSnapshot } = input;
  const verification = combineVerification(input.verified, "full", DISK_VERIFY_METHOD);
  await ctx.locks.renew(run.targetDiskId, lockOwnerOfRestore(run), ctx.tuning.lockTtlMs);
  const restored = await finishDisk(ctx, run);
  const point = {
    ...restoredPointOf(
      run,
      {
        targetSnapshot: restored.sourceSnapshot,
        backupUrl: run.promotedUrl,
        promotedSnapshot,
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

// Step 1 of a managed disk's backup: take the disk, read it through Resource Manager (refusing what
// cannot be backed up), take this run's incremental snapshot under a deterministic name, wait until it is
// readable, decide full or incremental (same disk, same size class, diff base still there, backup blob
// holding the point it continues), and grant read access to the snapshot and the diff base for the run.
import type { Disk, Snapshot } from "@azure/arm-compute";
import { DISK_BUSY, SNAPSHOT_PENDING, SOURCE_NOT_SUPPORTED } from "../app/codes";
import type { AppContext } from "../app/context";
import { CodedError } from "../app/result";
import { findDisk, UPLOAD_STATES } from "../compute/disks";
import { requireComputeId } from "../compute/resourceIds";
import {
  findSnapshot,
  grantRead,
  pendingWaitMs,
  readiness,
  takeIncrementalSnapshot,
} from "../compute/snapshots";
import { managedDiskIdOf, managedDiskOf } from "../disks/identity";
import { unsupportedReasonOf } from "../disks/managedDiscovery";
import { describeHolder } from "../lineage/locks";
import type { RestorePoint, SourceDiskFacts } from "../lineage/restorePoint";
import { runTag } from "../storage/tags";
import { requireBlobUrl } from "../storage/urls";
import { checkBackupBlob } from "./chainCheck";
import { readSasSeconds, runSnapshotRef, saveAccess } from "./managedSource";
import { lockOwnerOfRun } from "./ownership";
import type { BackupMode, BeginResult, DiskRunRef, SeenBackupBlob } from "./types";

/** Resizing a disk across this size breaks the diff between snapshots either side of it. */
export const FOUR_TIB = 4 * 1024 ** 4;
export const VHD_FOOTER = 512;

/** Whether two disk sizes lie either side of 4 TiB (the service cannot diff across such a resize). */
export function crossesFourTiB(a: number, b: number): boolean {
  return a <= FOUR_TIB !== b <= FOUR_TIB;
}

function factsOf(disk: Disk): SourceDiskFacts {
  return {
    location: disk.location ?? "",
    sku: disk.sku?.name ?? "Standard_LRS",
    diskSizeBytes: disk.diskSizeBytes ?? 0,
    ...(disk.osType ? { osType: disk.osType } : {}),
    ...(disk.hyperVGeneration ? { hyperVGeneration: disk.hyperVGeneration } : {}),
  };
}

/** Full or incremental, and why: only a diff between two snapshots of the same disk, same size class. */
async function decideMode(
  ctx: AppContext,
  ref: DiskRunRef,
  disk: Disk,
  latest: RestorePoint | undefined,
): Promise<{
  mode: BackupMode;
  reason: string | null;
  base: Snapshot | undefined;
  backupBlob?: SeenBackupBlob;
}> {
  const full = (reason: string) => ({ mode: "full" as const, reason, base: undefined });
  if (!latest) return full("first backup of this disk");
  if (latest.suspect) {
    // Verification found the backup differing from its source: a full copy rewrites every allocated range.
    return full(
      `restore point ${latest.restorePointId} is suspect: verification found its backup snapshot differing from the source snapshot`,
    );
  }
  if (latest.sourceKind !== "managedDisk" || !latest.snapshotResourceId) {
    return full(
      `restore point ${latest.restorePointId} has no snapshot of this managed disk to diff against`,
    );
  }
  if (latest.sourceUniqueId !== disk.uniqueId) {
    return full(
      `the disk was recreated (uniqueId ${latest.sourceUniqueId ?? "unknown"} → ${disk.uniqueId}): its snapshots start a new family`,
    );
  }
  const size = disk.diskSizeBytes ?? 0;
  if (crossesFourTiB(latest.diskSizeBytes, size)) {
    return full(
      `the disk was resized across 4 TiB (${latest.diskSizeBytes} → ${size} bytes): snapshots either side cannot be diffed`,
    );
  }
  const base = await findSnapshot(ctx.compute, requireComputeId(latest.snapshotResourceId, "snapshots"));
  if (!base) return full(`chain break: previous snapshot ${latest.snapshotResourceId} not found`);
  if (base.creationData?.sourceUniqueId !== disk.uniqueId) {
    return full(`chain break: previous snapshot ${latest.snapshotResourceId} is not of this disk's family`);
  }
  const checked = await checkBackupBlob(ctx, ref, requireBlobUrl(latest.backupUrl), latest);
  if (checked.problem) return full(checked.problem);
  return { mode: "incremental", reason: null, base, ...(checked.seen ? { backupBlob: checked.seen } : {}) };
}

/** The disk as Resource Manager has it, or a final refusal that says why it is not backed up. */
async function readDisk(ctx: AppContext, ref: DiskRunRef): Promise<Disk> {
  const disk = await findDisk(ctx.compute, requireComputeId(ref.sourceUrl));
  if (!disk) throw new CodedError("DiskNotFound", `managed disk ${ref.sourceUrl} not found`);
  const unsupported = unsupportedReasonOf(disk);
  if (unsupported)
    throw new CodedError(SOURCE_NOT_SUPPORTED, `${disk.name} is not backed up: ${unsupported}`);
  if (disk.diskState && UPLOAD_STATES.includes(disk.diskState)) {
    throw new CodedError(
      SOURCE_NOT_SUPPORTED,
      `${disk.name} is being uploaded (diskState ${disk.diskState}): nothing to back up yet`,
    );
  }
  return disk;
}

export async function beginManagedDiskBackup(ctx: AppContext, ref: DiskRunRef): Promise<BeginResult> {
  const diskRef = requireComputeId(ref.sourceUrl);
  if (managedDiskIdOf(diskRef) !== ref.diskId)
    throw new Error(`disk id ${ref.diskId} does not match ${ref.sourceUrl}`);
  // One writer per disk: nothing is snapshotted or written before this run holds the disk.
  const taken = await ctx.locks.acquire(ref.diskId, lockOwnerOfRun(ref), ctx.tuning.lockTtlMs);
  if (!taken.ok) throw new CodedError(DISK_BUSY, describeHolder(taken.error));
  const disk = await readDisk(ctx, ref);
  const latest = await ctx.lineage.latestCompleted(ref.diskId);
  const backupUrl = latest?.backupUrl || managedDiskOf(diskRef, ctx.settings.target).backup.url;
  const wait = { waitMs: ctx.tuning.armWaitMs };
  const snapshotRef = runSnapshotRef(ctx, ref);
  const snapshot = await takeIncrementalSnapshot(
    ctx.compute,
    snapshotRef,
    disk,
    runTag(ref.diskId, ref.restorePointId),
    wait,
  );
  const ready = readiness(snapshot);
  if (!ready.readable) {
    throw new CodedError(
      SNAPSHOT_PENDING,
      `snapshot ${snapshotRef.name} is ${ready.percent}% copied (snapshotAccessState ${snapshot.snapshotAccessState ?? "?"}): waiting until it is readable`,
      {
        retryAfterMs: pendingWaitMs(ready.percent, wait),
      },
    );
  }
  const { mode, reason, base, backupBlob } = await decideMode(ctx, ref, disk, latest);
  const diskSizeBytes = snapshot.diskSizeBytes ?? disk.diskSizeBytes ?? 0;
  const seconds = readSasSeconds(diskSizeBytes);
  const sasUrl = await grantRead(ctx.compute, snapshotRef, seconds, wait);
  const baseId = base?.id && latest?.snapshotResourceId ? latest.snapshotResourceId : null;
  const previousSasUrl = baseId
    ? await grantRead(ctx.compute, requireComputeId(baseId, "snapshots"), seconds, wait)
    : undefined;
  const expiresAt = new Date(Date.now() + seconds * 1000).toISOString();
  await saveAccess(
    ctx,
    { ...ref, backupUrl },
    { sasUrl, ...(previousSasUrl ? { previousSasUrl } : {}), expiresAt },
  );
  // The snapshot's creation time is the data's time: what a point in time selects by.
  const sourceSnapshot = (snapshot.timeCreated ?? new Date(ref.startedAt)).toISOString();
  ctx.log(`backup ${ref.diskId} ${ref.restorePointId}: ${mode}${reason ? ` (${reason})` : ""}`);
  return {
    ...ref,
    sourceSnapshot,
    sizeBytes: diskSizeBytes + VHD_FOOTER,
    backupUrl,
    mode,
    reason,
    parentRestorePointId: latest?.restorePointId ?? null,
    prevSourceSnapshot: mode === "incremental" && latest ? latest.sourceSnapshot : null,
    managed: {
      sourceResourceId: disk.id ?? diskRef.id,
      sourceUniqueId: disk.uniqueId ?? "",
      snapshotResourceId: snapshot.id ?? snapshotRef.id,
      prevSnapshotResourceId: baseId,
      diskSizeBytes,
      sourceDisk: JSON.stringify(factsOf(disk)),
    },
    ...(backupBlob ? { backupBlob } : {}),
  };
}

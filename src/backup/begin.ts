// Step 1 of a disk backup: snapshot the source (idempotently) and decide full or incremental from the
// lineage and the backup blob's stamp: an incremental is applied only onto the point it continues.

import { DISK_BUSY } from "../app/codes";
import type { AppContext } from "../app/context";
import { CodedError } from "../app/result";
import { isManagedDiskSource } from "../compute/resourceIds";
import { diskIdOf, diskOf } from "../disks/identity";
import { describeHolder } from "../lineage/locks";
import type { RestorePoint } from "../lineage/restorePoint";
import { ensureSnapshotListed, taggedBefore } from "../storage/snapshots";
import { runTag, TAG_DISK_ID } from "../storage/tags";
import { type BlobLocation, requireBlobUrl } from "../storage/urls";
import { type BackupBlobCheck, checkBackupBlob } from "./chainCheck";
import { beginManagedDiskBackup } from "./managedBegin";
import { lockOwnerOfRun } from "./ownership";
import type { BackupMode, BeginResult, DiskRunRef, SeenBackupBlob } from "./types";

/** Which backup blob a disk writes to: the one its chain already uses (a restore may have moved it). */
export function backupLocationOf(
  ctx: AppContext,
  source: BlobLocation,
  latest: RestorePoint | undefined,
): BlobLocation {
  return latest ? requireBlobUrl(latest.backupUrl) : diskOf(source, ctx.settings.target).backup;
}

/**
 * Incremental only when the lineage, the source and the backup blob agree: the newest completed restore
 * point's source snapshot (the diff base, `baseFound` in the source's snapshot listing) and backup
 * snapshot exist, and the backup blob's stamp says it holds exactly that point (no other run wrote into
 * it since). Anything else is a full copy, with why. An incremental also says how its backup blob looked.
 * `checked`: the backup blob's check, made beside the snapshot (none when there was no point to check).
 */
function decideMode(
  latest: RestorePoint | undefined,
  baseFound: boolean,
  checked: BackupBlobCheck | undefined,
): { mode: BackupMode; reason: string | null; backupBlob?: SeenBackupBlob } {
  const full = (reason: string) => ({ mode: "full" as const, reason });
  if (!latest) return full("first backup of this disk");
  if (latest.suspect) {
    // Verification found the backup differing from its source: a full copy rewrites every allocated range.
    return full(
      `restore point ${latest.restorePointId} is suspect: verification found its backup snapshot differing from the source snapshot`,
    );
  }
  if (!baseFound) return full(`chain break: previous source snapshot ${latest.sourceSnapshot} not found`);
  if (!checked) throw new Error(`the backup blob of ${latest.restorePointId} was not checked`);
  if (checked.problem) return full(checked.problem);
  return { mode: "incremental", reason: null, ...(checked.seen ? { backupBlob: checked.seen } : {}) };
}

/** At most this many older snapshots travel to the completion for pruning (more: it lists them again). */
const MAX_PRUNABLE = 16;

export async function beginDiskBackup(ctx: AppContext, ref: DiskRunRef): Promise<BeginResult> {
  // A managed disk's source side is Resource Manager's (snapshots, SAS); the backup side is this one's.
  if (isManagedDiskSource(ref.sourceUrl)) return beginManagedDiskBackup(ctx, ref);
  const source = requireBlobUrl(ref.sourceUrl);
  if (diskIdOf(source) !== ref.diskId)
    throw new Error(`disk id ${ref.diskId} does not match ${ref.sourceUrl}`);
  // One writer per disk: nothing is snapshotted or written before this run holds the disk.
  const taken = await ctx.locks.acquire(ref.diskId, lockOwnerOfRun(ref), ctx.tuning.lockTtlMs);
  if (!taken.ok) throw new CodedError(DISK_BUSY, describeHolder(taken.error));
  // The lineage read and the snapshot are independent. The snapshot's listing also gives its size, whether
  // the diff base still exists and which older snapshots of this disk the completion prunes. The backup
  // blob is checked as soon as the lineage names its newest point (only runs holding the disk write it).
  const newest = ctx.lineage.latestCompleted(ref.diskId);
  const [latest, snapshotted, checked] = await Promise.all([
    newest,
    ensureSnapshotListed(ctx.storage.container(source), source, {
      tag: runTag(ref.diskId, ref.restorePointId),
    }),
    newest.then((point) =>
      point && !point.suspect
        ? checkBackupBlob(ctx, ref, backupLocationOf(ctx, source, point), point)
        : undefined,
    ),
  ]);
  const sourceSnapshot = snapshotted.snapshot;
  const backup = backupLocationOf(ctx, source, latest);
  const baseFound = snapshotted.snapshots.some((s) => s.snapshot === latest?.sourceSnapshot);
  const { mode, reason, backupBlob } = decideMode(latest, baseFound, checked);
  const older = taggedBefore(snapshotted.snapshots, { [TAG_DISK_ID]: ref.diskId }, sourceSnapshot);
  ctx.log(`backup ${ref.diskId} ${ref.restorePointId}: ${mode}${reason ? ` (${reason})` : ""}`);
  return {
    ...ref,
    sourceSnapshot,
    sizeBytes: snapshotted.sizeBytes,
    backupUrl: backup.url,
    mode,
    reason,
    parentRestorePointId: latest?.restorePointId ?? null,
    prevSourceSnapshot: mode === "incremental" && latest ? latest.sourceSnapshot : null,
    ...(older.length <= MAX_PRUNABLE ? { olderSourceSnapshots: older } : {}),
    ...(backupBlob ? { backupBlob } : {}),
  };
}

// The backup side of the chain check, the same for every kind of source: an incremental is applied only
// onto the restore point the backup blob holds completely (its stamp, its snapshot, the lineage agree).
import type { AppContext } from "../app/context";
import type { RestorePoint } from "../lineage/restorePoint";
import { stampMismatch, stampOf } from "../lineage/stamp";
import { isNotFound } from "../storage/errors";
import type { BlobLocation } from "../storage/urls";
import type { DiskRunRef, SeenBackupBlob } from "./types";

/** The blob's (or snapshot's) properties as the chain check read them, or undefined when it does not exist. */
async function propertiesOf(
  ctx: AppContext,
  location: BlobLocation,
  snapshot?: string,
): Promise<SeenBackupBlob | undefined> {
  try {
    const props = await ctx.storage.pageBlob(location, { snapshot }).getProperties();
    return { etag: props.etag ?? "", sizeBytes: props.contentLength ?? 0, metadata: props.metadata ?? {} };
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** The verdict of the backup side's chain check, and the backup blob as it was read for it. */
export interface BackupBlobCheck {
  /** Why no incremental (undefined: it can be one). */
  problem: string | undefined;
  /** The backup blob as read (absent when it is gone). */
  seen?: SeenBackupBlob;
}

/**
 * Why the backup blob cannot take an incremental on top of `latest` (undefined: it can): it is gone, its
 * stamp says it holds another point or a run wrote into it, or the latest backup snapshot is gone.
 * Shared by every kind of source: the backup side is the same for page blobs and managed disks.
 */
export async function checkBackupBlob(
  ctx: AppContext,
  ref: DiskRunRef,
  backup: BlobLocation,
  latest: RestorePoint,
): Promise<BackupBlobCheck> {
  // Both read side by side (one round trip); the snapshot's read is wasted only when the blob is gone.
  const [seen, snapshot] = await Promise.all([
    propertiesOf(ctx, backup),
    propertiesOf(ctx, backup, latest.backupSnapshot),
  ]);
  if (seen === undefined) return { problem: `backup blob ${backup.url} not found` };
  const mismatch = stampMismatch(stampOf(seen.metadata), latest.restorePointId, ref.restorePointId);
  if (mismatch) return { problem: `chain check: ${mismatch}`, seen };
  if (snapshot === undefined) {
    const problem = `chain check: backup snapshot ${latest.backupSnapshot} of ${latest.restorePointId} not found`;
    return { problem, seen };
  }
  return { problem: undefined, seen };
}

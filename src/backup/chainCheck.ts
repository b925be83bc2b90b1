// The backup side of the chain check, the same for every kind of source: an incremental is applied only
// onto the restore point the backup blob holds completely (its stamp, its snapshot, the lineage agree).
import type { AppContext } from "../app/context";
import type { RestorePoint } from "../lineage/restorePoint";
import { stampMismatch, stampOf } from "../lineage/stamp";
import { isNotFound } from "../storage/errors";
import type { BlobLocation } from "../storage/urls";
import type { DiskRunRef } from "./types";

/** The blob's (or snapshot's) metadata, or undefined when it does not exist. */
export async function metadataOf(
  ctx: AppContext,
  location: BlobLocation,
  snapshot?: string,
): Promise<Record<string, string> | undefined> {
  try {
    return (await ctx.storage.pageBlob(location, { snapshot }).getProperties()).metadata ?? {};
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/**
 * Why the backup blob cannot take an incremental on top of `latest` (undefined: it can): it is gone, its
 * stamp says it holds another point or a run wrote into it, or the latest backup snapshot is gone.
 * Shared by every kind of source: the backup side is the same for page blobs and managed disks.
 */
export async function backupBlobProblem(
  ctx: AppContext,
  ref: DiskRunRef,
  backup: BlobLocation,
  latest: RestorePoint,
): Promise<string | undefined> {
  const blob = await metadataOf(ctx, backup);
  if (blob === undefined) return `backup blob ${backup.url} not found`;
  const mismatch = stampMismatch(stampOf(blob), latest.restorePointId, ref.restorePointId);
  if (mismatch) return `chain check: ${mismatch}`;
  if ((await metadataOf(ctx, backup, latest.backupSnapshot)) === undefined) {
    return `chain check: backup snapshot ${latest.backupSnapshot} of ${latest.restorePointId} not found`;
  }
  return undefined;
}

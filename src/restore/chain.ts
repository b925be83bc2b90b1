// An overwritten disk whose chain this app holds: its safety point is an incremental backup into the chain's
// backup blob, and a restore point of that same chain is restored by diff ("revert"): only the ranges that
// differ between the safety point and the chosen point are written, to the disk and to the backup blob.
import { REVERT_NOT_POSSIBLE } from "../app/codes";
import type { AppContext } from "../app/context";
import { CodedError } from "../app/result";
import { ChainBreakError, listRanges } from "../copy/diff";
import type { RestorePoint } from "../lineage/restorePoint";
import { stampMismatch, stampOf } from "../lineage/stamp";
import { type ByteRange, coalesce, subtractRanges } from "../ranges";
import { isNotFound } from "../storage/errors";
import { type BlobLocation, requireBlobUrl } from "../storage/urls";

async function exists(ctx: AppContext, location: BlobLocation, snapshot?: string) {
  try {
    return (await ctx.storage.pageBlob(location, { snapshot }).getProperties()).metadata ?? {};
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/**
 * The target disk's newest completed restore point (`latest`, as read from the lineage), when the target's
 * next backup would continue it (the checks a backup makes: the diff base exists on the disk, the backup
 * blob's stamp holds exactly that point and nobody is writing into it, its backup snapshot exists);
 * otherwise undefined. A point read before a backup completed a newer one fails the stamp check.
 */
export async function heldChainOf(
  ctx: AppContext,
  latest: RestorePoint | undefined,
  target: BlobLocation,
): Promise<RestorePoint | undefined> {
  if (!latest || latest.sourceUrl !== target.url || !latest.sourceSnapshot) return undefined;
  const backup = requireBlobUrl(latest.backupUrl);
  const [sourceSnapshot, blob, backupSnapshot] = await Promise.all([
    exists(ctx, target, latest.sourceSnapshot),
    exists(ctx, backup),
    exists(ctx, backup, latest.backupSnapshot),
  ]);
  if (!sourceSnapshot || !blob || !backupSnapshot) return undefined;
  return stampMismatch(stampOf(blob), latest.restorePointId, "") ? undefined : latest;
}

/** Whether `point` can be restored over the target by diff: same chain (backup blob) and same size. */
export function revertsByDiff(point: RestorePoint, chain: RestorePoint, targetSizeBytes: number): boolean {
  return (
    point.diskId === chain.diskId &&
    point.backupUrl === chain.backupUrl &&
    point.diskSizeBytes === targetSizeBytes &&
    chain.diskSizeBytes === targetSizeBytes
  );
}

export interface RevertRanges {
  /** Ranges to copy from the restore point (allocated there). */
  writes: ByteRange[];
  /** Ranges to clear (touched since the point, unallocated in it). */
  clears: ByteRange[];
  /** Every range where the safety point and the restore point may differ. */
  touched: ByteRange[];
  requests: number;
}

/**
 * What a revert writes: the ranges the backup chain touched between the restore point and the safety point
 * (the service's diff between the two backup snapshots: pages written or cleared since), split into those
 * the restore point has data for (copied) and those it has none for (cleared).
 */
export async function revertRanges(
  ctx: AppContext,
  backup: BlobLocation,
  pointSnapshot: string,
  safetySnapshot: string,
  sizeBytes: number,
): Promise<RevertRanges> {
  const segmentBytes = ctx.tuning.segmentBytes;
  try {
    const [diff, allocated] = await Promise.all([
      listRanges({
        blob: ctx.storage.pageBlob(backup, { snapshot: safetySnapshot, retry: "none" }),
        prevSnapshot: pointSnapshot,
        sizeBytes,
        segmentBytes,
      }),
      listRanges({
        blob: ctx.storage.pageBlob(backup, { snapshot: pointSnapshot, retry: "none" }),
        sizeBytes,
        segmentBytes,
      }),
    ]);
    const touched = coalesce([...diff.changed, ...diff.cleared]);
    const clears = subtractRanges(touched, allocated.changed);
    return {
      writes: subtractRanges(touched, clears),
      clears,
      touched,
      requests: diff.requests + allocated.requests,
    };
  } catch (error) {
    if (!(error instanceof ChainBreakError)) throw error;
    throw new CodedError(REVERT_NOT_POSSIBLE, `the backup chain cannot be diffed: ${error.message}`, {
      cause: error,
    });
  }
}

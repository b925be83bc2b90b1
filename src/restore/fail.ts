// A failed restore: record why in the lineage (a failed row never becomes a backup base), remove what
// only this run created (a new target disk, the promoted blob), keep an overwritten target's safety point.
// The least-privilege source role may delete only snapshots (infra/modules/source-access.bicep: no role
// condition on Delete Blob can read a tag or metadata): a new target it may not delete is emptied instead
// and keeps its unfinished-restore mark, so discovery never backs it up, and the reason says so.
import type { BlobClient, PageBlobClient } from "@azure/storage-blob";
import type { AppContext } from "../app/context";
import { isNotFound, isPermissionDenied, messageOf } from "../storage/errors";
import { holdLease } from "../storage/lease";
import { requireBlobUrl } from "../storage/urls";
import { releaseRun } from "./complete";
import { removeNewDisk } from "./managedTarget";
import { TAG_RESTORE_RUN } from "./naming";
import { failedPointOf } from "./record";
import type { FailRestoreInput, RestoreRun } from "./types";

/** Deletes a blob (with its snapshots) only if this run created it. */
async function deleteOwn(blob: BlobClient, runTag: string, leaseId?: string): Promise<void> {
  try {
    const props = await blob.getProperties();
    if (props.metadata?.[TAG_RESTORE_RUN] !== runTag) return;
    if (leaseId) await holdLease(blob, leaseId);
    // A promoted blob the service is still copying into: its copy is stopped first.
    if (props.copyStatus === "pending" && props.copyId) await blob.abortCopyFromURL(props.copyId);
    await blob.delete({ deleteSnapshots: "include", conditions: leaseId ? { leaseId } : undefined });
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

/**
 * The new disk this run created: deleted, or, where the role refuses the delete, resized to nothing (its
 * pages are no longer billed) and left marked. Returns what the reason must add ("" when deleted).
 */
async function removeNewTarget(blob: PageBlobClient, run: RestoreRun): Promise<string> {
  try {
    await deleteOwn(blob, run.newRestorePointId, run.leaseId);
    return "";
  } catch (error) {
    if (!isPermissionDenied(error)) throw error;
  }
  await blob.resize(0, { conditions: { leaseId: run.leaseId } });
  return `; ${run.targetUrl} could not be deleted (the source role may delete only snapshots): it was emptied and keeps the metadata ${TAG_RESTORE_RUN}=${run.newRestorePointId}, so it is never backed up; delete it`;
}

export async function failRestore(ctx: AppContext, input: FailRestoreInput): Promise<void> {
  const { run, failure } = input;
  const reason = failure.message.trim() || `${failure.code} (the failing step gave no message)`;
  const recorded = await ctx.lineage.get(run.targetDiskId, run.newRestorePointId);
  if (recorded?.status === "completed") return;
  const kept = run.targetExisted
    ? `; ${run.targetUrl} was overwritten in part, its safety restore point is ${run.safety?.restorePointId}; it keeps the metadata ${TAG_RESTORE_RUN}=${run.newRestorePointId} and is not backed up until a restore to it completes (restore the safety point with overwrite)`
    : "";
  await ctx.lineage.upsert(failedPointOf(run, failure, `${reason}${kept}`));
  const own = run.newRestorePointId;
  const safetyRecorded = run.safety
    ? (await ctx.lineage.get(run.targetDiskId, run.safety.restorePointId))?.status === "completed"
    : true;
  const [target, ...others] = await Promise.allSettled([
    run.targetExisted
      ? Promise.resolve("")
      : run.targetDisk
        ? removeNewDisk(ctx, run)
        : removeNewTarget(ctx.storage.pageBlob(requireBlobUrl(run.targetUrl)), run),
    safetyRecorded || !run.safety
      ? Promise.resolve()
      : deleteOwn(ctx.storage.pageBlob(requireBlobUrl(run.safety.blobUrl)), own),
    deleteOwn(ctx.storage.pageBlob(requireBlobUrl(run.promotedUrl)), own),
  ]);
  for (const r of [target, ...others])
    if (r?.status === "rejected") ctx.log(`cleanup after failed restore: ${messageOf(r.reason)}`);
  if (target?.status === "fulfilled" && target.value) {
    await ctx.lineage.upsert(failedPointOf(run, failure, `${reason}${kept}${target.value}`));
  }
  await releaseRun(ctx, run);
  ctx.log(
    `restore ${run.diskId}/${run.restorePointId} → ${run.targetUrl} failed: ${reason}${target?.status === "fulfilled" ? target.value : ""}`,
  );
}

// A failed restore: record why in the lineage (a failed row never becomes a backup base), remove what
// only this run created (a new target disk, the promoted blob), keep an overwritten target's safety point.
import type { BlobClient } from "@azure/storage-blob";
import type { AppContext } from "../app/context";
import { isNotFound, messageOf } from "../storage/errors";
import { holdLease } from "../storage/lease";
import { requireBlobUrl } from "../storage/urls";
import { releaseRun } from "./complete";
import { TAG_RESTORE_RUN } from "./naming";
import { failedPointOf } from "./record";
import type { FailRestoreInput } from "./types";

/** Deletes a blob (with its snapshots) only if this run created it. */
async function deleteOwn(blob: BlobClient, runTag: string, leaseId?: string): Promise<void> {
  try {
    const props = await blob.getProperties();
    if (props.metadata?.[TAG_RESTORE_RUN] !== runTag) return;
    if (leaseId) await holdLease(blob, leaseId);
    await blob.delete({ deleteSnapshots: "include", conditions: leaseId ? { leaseId } : undefined });
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

export async function failRestore(ctx: AppContext, input: FailRestoreInput): Promise<void> {
  const { run, failure } = input;
  const reason = failure.message;
  const recorded = await ctx.lineage.get(run.targetDiskId, run.newRestorePointId);
  if (recorded?.status === "completed") return;
  const kept = run.targetExisted
    ? `; ${run.targetUrl} was overwritten in part, its safety restore point is ${run.safety?.restorePointId}`
    : "";
  await ctx.lineage.upsert(failedPointOf(run, failure, `${reason}${kept}`));
  const own = run.newRestorePointId;
  const safetyRecorded = run.safety
    ? (await ctx.lineage.get(run.targetDiskId, run.safety.restorePointId))?.status === "completed"
    : true;
  const cleanups = await Promise.allSettled([
    safetyRecorded || !run.safety
      ? Promise.resolve()
      : deleteOwn(ctx.storage.pageBlob(requireBlobUrl(run.safety.blobUrl)), own),
    run.targetExisted
      ? Promise.resolve()
      : deleteOwn(ctx.storage.pageBlob(requireBlobUrl(run.targetUrl)), own, run.leaseId),
    deleteOwn(ctx.storage.pageBlob(requireBlobUrl(run.promotedUrl)), own),
  ]);
  for (const r of cleanups)
    if (r.status === "rejected") ctx.log(`cleanup after failed restore: ${messageOf(r.reason)}`);
  await releaseRun(ctx, run);
  ctx.log(`restore ${run.diskId}/${run.restorePointId} → ${run.targetUrl} failed: ${reason}`);
}

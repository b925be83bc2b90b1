// Step 3 of a disk backup, one batch at a time: copy the batch's ranges from the source snapshot into the
// backup blob under the run's lease. Same bytes at the same offsets, so running it twice is harmless.
import type { AppContext } from "../app/context";
import { type BatchResult, copyBatchUnderLease } from "../copy/batches";
import { loadBatch } from "../copy/runStore";
import { requireBlobUrl } from "../storage/urls";
import { leaseIdOfRun } from "./plan";
import type { CopyBatchInput } from "./types";

export async function copyBackupBatch(
  ctx: AppContext,
  input: CopyBatchInput,
  signal?: AbortSignal,
): Promise<BatchResult> {
  const { run, batch } = input;
  const backup = requireBlobUrl(run.backupUrl);
  const doc = await loadBatch(ctx.storage.container(backup), run.diskId, run.restorePointId, batch);
  const copy = {
    sourceUrl: run.sourceUrl,
    sourceSnapshot: run.sourceSnapshot,
    destinationUrl: run.backupUrl,
    leaseId: leaseIdOfRun(run),
    doc,
  };
  return copyBatchUnderLease(ctx, copy, signal);
}

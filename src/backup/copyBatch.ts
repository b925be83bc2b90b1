// Step 3 of a disk backup, one batch at a time: copy the batch's ranges from the source snapshot into the
// backup blob under the run's lease. Same bytes at the same offsets, so running it twice is harmless.
import { copyRanges } from "../copy/engine";
import { holdLease, keepLease } from "../storage/lease";
import { authorizeSource } from "../storage/sourceAuth";
import { requireBlobUrl } from "../storage/urls";
import type { BackupContext } from "./context";
import { leaseIdOfRun } from "./plan";
import { loadBatch } from "./runStore";
import type { BatchResult, CopyBatchInput } from "./types";

export async function copyBackupBatch(
  ctx: BackupContext,
  input: CopyBatchInput,
  signal?: AbortSignal,
): Promise<BatchResult> {
  const { run, batch } = input;
  const backup = requireBlobUrl(run.backupUrl);
  const doc = await loadBatch(ctx.storage.container(backup), run.diskId, run.restorePointId, batch);
  const leaseId = leaseIdOfRun(run);
  const backupBlob = ctx.storage.pageBlob(backup);
  await holdLease(backupBlob, leaseId, ctx.tuning.leaseSeconds);
  const keeper = keepLease(backupBlob, leaseId, ctx.tuning.leaseSeconds);
  try {
    return await copyRanges({
      source: authorizeSource(ctx.storage, requireBlobUrl(run.sourceUrl), run.sourceSnapshot),
      destination: ctx.storage.pageBlob(backup, { retry: "none" }),
      writes: doc.writes,
      clears: doc.clears,
      leaseId,
      concurrency: ctx.tuning.copyConcurrency,
      signal,
    });
  } finally {
    keeper.stop();
  }
}

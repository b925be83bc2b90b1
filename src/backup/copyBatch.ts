// Step 3 of a disk backup, one batch at a time: copy the batch's ranges from the source snapshot into the
// backup blob under the run's lease. Same bytes at the same offsets, so running it twice is harmless.
import type { AppContext } from "../app/context";
import { type BatchResult, copyBatchUnderLease } from "../copy/batches";
import { fromStoredBatch } from "../copy/runStore";
import { keepLock } from "../lineage/locks";
import { requireBlobUrl } from "../storage/urls";
import { leaseIdOfRun, lockOwnerOfRun } from "./ownership";
import { sourceReaderOf } from "./sourceReader";
import type { CopyBatchInput } from "./types";

export async function copyBackupBatch(
  ctx: AppContext,
  input: CopyBatchInput,
  signal?: AbortSignal,
): Promise<BatchResult> {
  const { run, batch } = input;
  const owner = lockOwnerOfRun(run);
  const backup = requireBlobUrl(run.backupUrl);
  const reader = await sourceReaderOf(ctx, run);
  const copy = {
    // The lock is renewed alongside the batch's loads, and before its first write.
    ready: ctx.locks.renew(run.diskId, owner, ctx.tuning.lockTtlMs),
    source: reader.copySource(),
    sourceUrl: run.sourceUrl,
    sourceSnapshot: run.sourceSnapshot,
    destinationUrl: run.backupUrl,
    leaseId: leaseIdOfRun(run),
    batch: { container: ctx.storage.container(backup), diskId: run.diskId, key: run.restorePointId, batch },
    ranges: input.ranges ? fromStoredBatch(input.ranges) : undefined,
    firstCall: input.resumed !== true,
  };
  const keeper = keepLock(ctx.locks, run.diskId, owner, ctx.tuning.lockTtlMs);
  try {
    return await copyBatchUnderLease(ctx, copy, signal);
  } finally {
    keeper.stop();
  }
}

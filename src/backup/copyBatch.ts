// Step 3 of a disk backup, one batch at a time: copy the batch's ranges from the source snapshot into the
// backup blob under the run's lease. Same bytes at the same offsets, so running it twice is harmless.
import { type CopyStats, copyRanges } from "../copy/engine";
import { holdLease, keepLease } from "../storage/lease";
import { authorizeSource } from "../storage/sourceAuth";
import { requireBlobUrl } from "../storage/urls";
import type { BackupContext } from "./context";
import { leaseIdOfRun } from "./plan";
import { type BatchDoc, loadBatch } from "./runStore";
import type { BatchResult, CopyBatchInput } from "./types";

/** One batch document copied from a source snapshot into a destination blob, under a kept lease if given. */
export interface BatchCopy {
  sourceUrl: string;
  sourceSnapshot: string | undefined;
  destinationUrl: string;
  leaseId: string | undefined;
  doc: BatchDoc;
}

/**
 * Copies one batch with the copy engine, holding (and renewing) the destination's lease while it writes,
 * so a second writer, even from another deployment, cannot write the same blob at the same time.
 */
export async function copyBatchUnderLease(
  ctx: BackupContext,
  copy: BatchCopy,
  signal?: AbortSignal,
): Promise<CopyStats> {
  const destination = requireBlobUrl(copy.destinationUrl);
  const blob = ctx.storage.pageBlob(destination);
  const { leaseId, doc } = copy;
  if (leaseId) await holdLease(blob, leaseId, ctx.tuning.leaseSeconds);
  const keeper = leaseId ? keepLease(blob, leaseId, ctx.tuning.leaseSeconds) : undefined;
  try {
    return await copyRanges({
      source: authorizeSource(ctx.storage, requireBlobUrl(copy.sourceUrl), copy.sourceSnapshot),
      destination: ctx.storage.pageBlob(destination, { retry: "none" }),
      writes: doc.writes,
      clears: doc.clears,
      leaseId,
      concurrency: ctx.tuning.copyConcurrency,
      signal,
    });
  } finally {
    keeper?.stop();
  }
}

export async function copyBackupBatch(
  ctx: BackupContext,
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

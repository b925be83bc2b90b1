// Copy batches, shared by backup and restore: a range list split into bounded batch documents, and the
// copy of one batch into a destination blob under a lease the run holds (renewed while it writes).
import type { AppContext, Tuning } from "../app/context";
import { type ByteRange, batchRanges, splitRanges } from "../ranges";
import { holdLease, keepLease } from "../storage/lease";
import { authorizeSource } from "../storage/sourceAuth";
import { requireBlobUrl } from "../storage/urls";
import { type CopyStats, copyRanges } from "./engine";

/** The ranges of one batch: written with Put Page From URL, or cleared. Stored in the run store. */
export interface BatchDoc {
  writes: ByteRange[];
  clears: ByteRange[];
}

/** What one copied batch did (the copy engine's counters); summed into a procedure's progress. */
export type BatchResult = CopyStats;

/**
 * Splits a range list into batch documents: writes in ≤ 4 MiB requests grouped into a bounded number of
 * balanced batches (so no orchestration schedules more than `maxBatches` copies), clears in batches of
 * `maxClearsPerBatch` (each clear is one request whatever its size).
 */
export function toBatchDocs(
  tuning: Pick<Tuning, "maxBatches" | "minBatchBytes" | "maxClearsPerBatch">,
  writes: ByteRange[],
  clears: ByteRange[],
): BatchDoc[] {
  const { maxBatches, minBatchBytes, maxClearsPerBatch } = tuning;
  const docs: BatchDoc[] = batchRanges(splitRanges(writes), { maxBatches, minBatchBytes }).map((w) => ({
    writes: w,
    clears: [],
  }));
  for (let i = 0; i < clears.length; i += maxClearsPerBatch) {
    docs.push({ writes: [], clears: clears.slice(i, i + maxClearsPerBatch) });
  }
  return docs;
}

/** One batch document copied from a source (snapshot) into a destination blob, under a lease if given. */
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
  ctx: AppContext,
  copy: BatchCopy,
  signal?: AbortSignal,
): Promise<BatchResult> {
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

// The range copy engine: writes ranges server side with Put Page From URL (≤ 4 MiB each, at their true
// offsets) and clears ranges with Clear Pages, with bounded concurrency, per-blob pacing of the destination
// (and of the source, which the service reads), retries with backoff on transient failures, byte and
// request counters, and cancellation. Used by backup and restore.
import type { PageBlobClient } from "@azure/storage-blob";
import {
  assertAligned,
  type ByteRange,
  coalesce,
  MAX_PUT_PAGE_BYTES,
  splitRanges,
  totalBytes,
} from "../ranges";
import type { SourceAuthorizer } from "../storage/sourceAuth";
import { type BlobPacer, pacerFor } from "./pacer";
import { type CopyRetryOptions, OperationError, runOperations } from "./runner";

export type { CopyRetryOptions } from "./runner";

/** The blob targets the pacers keep under (the service's, for a standard page blob, by default). */
export interface Pacing {
  bytesPerSecond?: number | undefined;
  requestsPerSecond?: number | undefined;
}

export interface CopyJob {
  /** The source blob or snapshot, read by the service; ranges are copied to the same offsets. */
  source: SourceAuthorizer;
  /** Destination page blob. Give a client without SDK retries so the engine sees (and paces on) 503s. */
  destination: PageBlobClient;
  /** Ranges to copy (any order, may overlap; coalesced and split at 4 MiB here). */
  writes: readonly ByteRange[];
  /** Ranges to clear on the destination. */
  clears?: readonly ByteRange[];
  /** Lease held on the destination, sent with every write. */
  leaseId?: string;
  /**
   * Full-size (4 MiB) requests in flight at most (default 8); a smaller one counts for its share, at least a
   * quarter (copy/pacer.ts), so up to four times as many small ones; the blob's pacer may allow fewer.
   */
  concurrency?: number;
  retry?: CopyRetryOptions;
  /** Rates of the process-wide pacers of the destination and the source (none: unpaced rates). */
  pacing?: Pacing;
  /** Defaults to the process-wide pacer of the destination blob. */
  pacer?: BlobPacer;
  signal?: AbortSignal;
  onProgress?: (stats: CopyStats) => void;
  /** Operations already done by an earlier attempt (a checkpoint): they are skipped. */
  skipOperations?: number;
  /** Epoch ms after which no new request starts (requests in flight finish): a time budget. */
  stopStartingAt?: number;
}

export interface CopyStats {
  /** Operations (requests' worth of work) done from the start of the job without a gap: a checkpoint. */
  operationsDone: number;
  /** Operations in the job (after coalescing and 4 MiB splitting). */
  operationsTotal: number;
  bytesCopied: number;
  bytesCleared: number;
  /** Successful requests (writes and clears). */
  requests: number;
  /** Failed attempts that were retried. */
  retries: number;
  /** Busy signals (503/429) seen. */
  throttled: number;
}

type Operation = { kind: "write" | "clear"; range: ByteRange };

/** A copy that failed for good: the operation and its last error. */
export class CopyError extends OperationError<Operation> {}

function operationsOf(job: CopyJob): Operation[] {
  const writes = splitRanges(coalesce(job.writes), MAX_PUT_PAGE_BYTES);
  const clears = coalesce(job.clears ?? []);
  const ops: Operation[] = [
    ...clears.map((range) => ({ kind: "clear" as const, range })),
    ...writes.map((range) => ({ kind: "write" as const, range })),
  ];
  for (const op of ops) assertAligned(op.range);
  return ops;
}

/** The process-wide pacer of a blob (a client's URL, query dropped), with the job's rates. */
export function pacerOf(blob: { url: string }, concurrency: number, pacing: Pacing | undefined): BlobPacer {
  return pacerFor(blob.url, {
    maxConcurrency: concurrency,
    bytesPerSecond: pacing?.bytesPerSecond,
    requestsPerSecond: pacing?.requestsPerSecond,
  });
}

/**
 * Copies and clears the job's ranges; resolves with counters, rejects with the first permanent failure.
 * With a time budget it stops starting requests at `stopStartingAt` and says how far it got without a
 * gap (`operationsDone`), so the next attempt resumes there (`skipOperations`).
 */
export async function copyRanges(job: CopyJob): Promise<CopyStats> {
  const concurrency = Math.max(1, job.concurrency ?? 8);
  const pacer = job.pacer ?? pacerOf(job.destination, concurrency, job.pacing);
  const conditions = job.leaseId ? { leaseId: job.leaseId } : undefined;
  const ops = operationsOf(job);
  let bytesCopied = 0;
  let bytesCleared = 0;
  let sourcePacer: BlobPacer | undefined;

  async function attempt(op: Operation, _index: number, requestSignal: AbortSignal): Promise<void> {
    const { offset, length } = op.range;
    if (op.kind === "clear") {
      await job.destination.clearPages(offset, length, { conditions, abortSignal: requestSignal });
      return;
    }
    const source = await job.source.current();
    // The service reads the source for every copy: its blob's targets count that read.
    sourcePacer ??= job.pacing ? pacerOf({ url: source.url }, concurrency, job.pacing) : undefined;
    await sourcePacer?.pace(length, requestSignal);
    await job.destination.uploadPagesFromURL(source.url, offset, offset, length, {
      conditions,
      abortSignal: requestSignal,
      sourceAuthorization: source.bearerToken ? { scheme: "Bearer", value: source.bearerToken } : undefined,
    });
  }

  const stats = (run: { operationsDone: number; requests: number; retries: number; throttled: number }) => ({
    operationsDone: run.operationsDone,
    operationsTotal: ops.length,
    bytesCopied,
    bytesCleared,
    requests: run.requests,
    retries: run.retries,
    throttled: run.throttled,
  });
  try {
    const run = await runOperations({
      ops,
      skip: job.skipOperations,
      concurrency,
      pacer,
      retry: job.retry,
      signal: job.signal,
      stopStartingAt: job.stopStartingAt,
      bytesOf: (op) => (op.kind === "write" ? op.range.length : 0),
      attempt,
      describe: (op) => `${op.kind} ${op.range.offset}+${op.range.length}`,
      onDone: (op, _index, progress) => {
        if (op.kind === "write") bytesCopied += op.range.length;
        else bytesCleared += op.range.length;
        job.onProgress?.(stats(progress));
      },
    });
    return stats(run);
  } catch (error) {
    if (error instanceof OperationError && !(error instanceof CopyError))
      throw new CopyError(error.message, error.operation as Operation, error.cause);
    throw error;
  }
}

/** Bytes a job will write and clear (after coalescing). */
export function jobBytes(writes: readonly ByteRange[], clears: readonly ByteRange[] = []) {
  return { writeBytes: totalBytes(coalesce(writes)), clearBytes: totalBytes(coalesce(clears)) };
}

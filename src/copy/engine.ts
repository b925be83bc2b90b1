// The range copy engine: writes ranges server side with Put Page From URL (≤ 4 MiB each, at their true
// offsets) and clears ranges with Clear Pages, with bounded concurrency, per-blob pacing, retries with
// backoff on transient failures, byte and request counters, and cancellation. Used by backup and restore.
import type { PageBlobClient } from "@azure/storage-blob";
import {
  assertAligned,
  type ByteRange,
  coalesce,
  MAX_PUT_PAGE_BYTES,
  splitRanges,
  totalBytes,
} from "../ranges";
import { isServerBusy, isTransient, messageOf } from "../storage/errors";
import type { SourceAuthorizer } from "../storage/sourceAuth";
import { type BlobPacer, pacerFor, sleep } from "./pacer";

export interface CopyRetryOptions {
  /** Attempts per request, counting the first (default 8). */
  maxAttempts?: number;
  /** First backoff delay; doubles per attempt with jitter (default 250 ms). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Per-request timeout; a timed-out request is retried (default 120 s). */
  requestTimeoutMs?: number;
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
  /** Concurrent requests at most (default 8); the blob's pacer may allow fewer. */
  concurrency?: number;
  retry?: CopyRetryOptions;
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

export class CopyError extends Error {
  constructor(
    message: string,
    readonly operation: Operation,
    override readonly cause: unknown,
  ) {
    super(message);
    this.name = "CopyError";
  }
}

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

/**
 * A per-request timeout. Not AbortSignal.timeout(): AbortSignal.any() holds its sources weakly, and an
 * unreferenced timeout signal can be garbage collected before it fires (the request then never times
 * out). The timer's closure keeps this controller alive until it fires or is cleared.
 */
function requestTimeout(ms: number): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException("The request timed out", "TimeoutError")),
    ms,
  );
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

function backoff(attempt: number, options: Required<CopyRetryOptions>): number {
  const exp = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  return exp / 2 + Math.random() * (exp / 2);
}

/**
 * Copies and clears the job's ranges; resolves with counters, rejects with the first permanent failure.
 * With a time budget it stops starting requests at `stopStartingAt` and says how far it got without a
 * gap (`operationsDone`), so the next attempt resumes there (`skipOperations`).
 */
export async function copyRanges(job: CopyJob): Promise<CopyStats> {
  const retry: Required<CopyRetryOptions> = {
    maxAttempts: job.retry?.maxAttempts ?? 8,
    baseDelayMs: job.retry?.baseDelayMs ?? 250,
    maxDelayMs: job.retry?.maxDelayMs ?? 15_000,
    requestTimeoutMs: job.retry?.requestTimeoutMs ?? 120_000,
  };
  const concurrency = Math.max(1, job.concurrency ?? 8);
  const pacer =
    job.pacer ?? pacerFor(job.destination.url.split("?")[0] ?? "", { maxConcurrency: concurrency });
  const ops = operationsOf(job);
  const skip = Math.min(ops.length, Math.max(0, job.skipOperations ?? 0));
  const stats: CopyStats = {
    operationsDone: skip,
    operationsTotal: ops.length,
    bytesCopied: 0,
    bytesCleared: 0,
    requests: 0,
    retries: 0,
    throttled: 0,
  };
  const done = new Array<boolean>(ops.length).fill(false);
  const failure = new AbortController();
  const signal = job.signal ? AbortSignal.any([job.signal, failure.signal]) : failure.signal;
  const conditions = job.leaseId ? { leaseId: job.leaseId } : undefined;
  let next = skip;
  let firstError: unknown;
  const inBudget = () => job.stopStartingAt === undefined || Date.now() < job.stopStartingAt;

  async function send(op: Operation, requestSignal: AbortSignal): Promise<void> {
    const { offset, length } = op.range;
    if (op.kind === "clear") {
      await job.destination.clearPages(offset, length, { conditions, abortSignal: requestSignal });
      return;
    }
    const source = await job.source.current();
    await job.destination.uploadPagesFromURL(source.url, offset, offset, length, {
      conditions,
      abortSignal: requestSignal,
      sourceAuthorization: source.bearerToken ? { scheme: "Bearer", value: source.bearerToken } : undefined,
    });
  }

  /** Runs one operation; false when its first request could not start within the time budget. */
  async function run(op: Operation): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      const release = await pacer.acquire(signal);
      // Waiting for a slot can outlast the budget: an operation not started yet is left for next time.
      if (attempt === 1 && !inBudget()) {
        release();
        return false;
      }
      const timeout = requestTimeout(retry.requestTimeoutMs);
      const requestSignal = AbortSignal.any([signal, timeout.signal]);
      try {
        await send(op, requestSignal);
        timeout.clear();
        pacer.onSuccess();
        release();
        return true;
      } catch (error) {
        timeout.clear();
        release();
        signal.throwIfAborted();
        if (isServerBusy(error)) {
          stats.throttled++;
          pacer.onBusy();
        }
        const timedOut = requestSignal.aborted;
        if (!(timedOut || isTransient(error)) || attempt >= retry.maxAttempts) {
          const what = `${op.kind} ${op.range.offset}+${op.range.length}`;
          throw new CopyError(`${what} failed after ${attempt} attempt(s): ${messageOf(error)}`, op, error);
        }
        stats.retries++;
        await sleep(backoff(attempt, retry), signal);
      }
    }
  }

  async function worker(): Promise<void> {
    while (firstError === undefined && next < ops.length && inBudget()) {
      const index = next++;
      const op = ops[index]!;
      try {
        if (!(await run(op))) return;
      } catch (error) {
        firstError ??= error;
        failure.abort(error);
        return;
      }
      if (op.kind === "write") stats.bytesCopied += op.range.length;
      else stats.bytesCleared += op.range.length;
      stats.requests++;
      done[index] = true;
      while (stats.operationsDone < ops.length && done[stats.operationsDone]) stats.operationsDone++;
      job.onProgress?.(stats);
    }
  }

  await Promise.all(Array.from({ length: Math.min(concurrency, ops.length - skip) }, worker));
  if (firstError !== undefined) throw firstError;
  job.signal?.throwIfAborted();
  return stats;
}

/** Bytes a job will write and clear (after coalescing). */
export function jobBytes(writes: readonly ByteRange[], clears: readonly ByteRange[] = []) {
  return { writeBytes: totalBytes(coalesce(writes)), clearBytes: totalBytes(coalesce(clears)) };
}

// The loop every range copy runs its requests in: bounded concurrency under the blob's pacer, retries with
// backoff on transient failures (busy signals slow the pacer), a time budget after which no new operation
// starts, and a gap-free count of finished operations (the checkpoint a continued step resumes from).
import { setMaxListeners } from "node:events";
import { CodedError } from "../app/result";
import { isServerBusy, isTransient, messageOf } from "../storage/errors";
import { type BlobPacer, SLOT_UNITS, sleep, unitsOf } from "./pacer";

export interface CopyRetryOptions {
  /** Attempts per request, counting the first (default 8). */
  maxAttempts?: number;
  /** First backoff delay; doubles per attempt with jitter (default 250 ms). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Per-request timeout; a timed-out request is retried (default 120 s). */
  requestTimeoutMs?: number;
}

export function retryDefaults(retry: CopyRetryOptions | undefined): Required<CopyRetryOptions> {
  return {
    maxAttempts: retry?.maxAttempts ?? 8,
    baseDelayMs: retry?.baseDelayMs ?? 250,
    maxDelayMs: retry?.maxDelayMs ?? 15_000,
    requestTimeoutMs: retry?.requestTimeoutMs ?? 120_000,
  };
}

/** What a run did: a checkpoint (operations done without a gap) and request counters. */
export interface RunStats {
  operationsDone: number;
  operationsTotal: number;
  /** Successful operations. */
  requests: number;
  /** Failed attempts that were retried. */
  retries: number;
  /** Busy signals (503/429) seen. */
  throttled: number;
}

export interface OperationRun<Op> {
  ops: readonly Op[];
  /** Operations already done by an earlier attempt: they are skipped. */
  skip?: number;
  /** Full-size operations in flight at most; smaller ones count for their share (`bytesOf`, copy/pacer.ts). */
  concurrency: number;
  /** The pacer of the blob the operations write (in-flight slots, rate budget, busy signals). */
  pacer: BlobPacer;
  retry?: CopyRetryOptions;
  signal?: AbortSignal;
  /** Epoch ms after which no new operation starts (operations in flight finish): a time budget. */
  stopStartingAt?: number;
  /**
   * Bytes an operation moves: the room it takes in flight (0: a whole slot) and, unless the attempt paces
   * itself, its share of the blob's byte rate.
   */
  bytesOf(op: Op): number;
  /**
   * The attempt paces each of its requests itself, right before sending it (the runner's pacer only
   * bounds the operations in flight): for operations whose writes follow a read of unknown duration.
   */
  pacesItself?: boolean;
  /** One attempt of an operation; throws to fail it (retried when transient). */
  attempt(op: Op, index: number, signal: AbortSignal): Promise<void>;
  /** How the operation is named in a final failure. */
  describe(op: Op): string;
  /** After each finished operation (in completion order). */
  onDone?(op: Op, index: number, stats: RunStats): void;
}

/** The operation that failed for good, and why. */
export class OperationError<Op = unknown> extends Error {
  constructor(
    message: string,
    readonly operation: Op,
    override readonly cause: unknown,
  ) {
    super(message);
    this.name = "CopyError";
  }
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

/** Runs the operations; resolves with the counters, rejects with the first permanent failure. */
export async function runOperations<Op>(run: OperationRun<Op>): Promise<RunStats> {
  const retry = retryDefaults(run.retry);
  const { ops, pacer } = run;
  const skip = Math.min(ops.length, Math.max(0, run.skip ?? 0));
  const stats: RunStats = {
    operationsDone: skip,
    operationsTotal: ops.length,
    requests: 0,
    retries: 0,
    throttled: 0,
  };
  const done = new Array<boolean>(ops.length).fill(false);
  const failure = new AbortController();
  const signal = run.signal ? AbortSignal.any([run.signal, failure.signal]) : failure.signal;
  let next = skip;
  let firstError: unknown;
  const inBudget = () => run.stopStartingAt === undefined || Date.now() < run.stopStartingAt;

  /** Runs one operation; false when its first request could not start within the time budget. */
  async function one(op: Op, index: number): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      const release = await pacer.acquire(signal, run.bytesOf(op), run.pacesItself !== true);
      // Waiting for a slot can outlast the budget: an operation not started yet is left for next time.
      if (attempt === 1 && !inBudget()) {
        release();
        return false;
      }
      const timeout = requestTimeout(retry.requestTimeoutMs);
      const requestSignal = AbortSignal.any([signal, timeout.signal]);
      try {
        await run.attempt(op, index, requestSignal);
        timeout.clear();
        pacer.onSuccess();
        release();
        return true;
      } catch (error) {
        timeout.clear();
        release();
        signal.throwIfAborted();
        // A domain refusal (a verification mismatch, say) is the operation's answer, not a request failure.
        if (error instanceof CodedError) throw error;
        if (isServerBusy(error)) {
          stats.throttled++;
          pacer.onBusy();
        }
        const timedOut = requestSignal.aborted;
        if (!(timedOut || isTransient(error)) || attempt >= retry.maxAttempts) {
          throw new OperationError(
            `${run.describe(op)} failed after ${attempt} attempt(s): ${messageOf(error)}`,
            op,
            error,
          );
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
        if (!(await one(op, index))) return;
      } catch (error) {
        firstError ??= error;
        failure.abort(error);
        return;
      }
      stats.requests++;
      done[index] = true;
      while (stats.operationsDone < ops.length && done[stats.operationsDone]) stats.operationsDone++;
      run.onDone?.(op, index, stats);
    }
  }

  // `concurrency` full-size operations, or as many more smaller ones as fill the same room (the pacer,
  // shared by every copy of the blob, bounds what runs).
  let smallest = SLOT_UNITS;
  for (let i = skip; i < ops.length; i++) smallest = Math.min(smallest, unitsOf(run.bytesOf(ops[i]!)));
  const workers = Math.min(Math.floor((run.concurrency * SLOT_UNITS) / smallest), ops.length - skip);
  // Each worker's request and its wait for room listen on the run's signal.
  setMaxListeners(2 * workers + 10, signal);
  await Promise.all(Array.from({ length: workers }, worker));
  if (firstError !== undefined) throw firstError;
  run.signal?.throwIfAborted();
  return stats;
}

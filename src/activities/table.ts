// How every step body runs, for every procedure: a table from step name to body, and one wrapper that
// turns the body's outcome into the Result that crosses the durable boundary. A CodedError marked final
// becomes a failed Result (not retried: the answer would not change); anything else is thrown, so the
// step's retry policy runs it again (steps are idempotent).
import type { AppContext } from "../app/context";
import type { DurableAccess, RestoreReaders } from "../app/instances";
import { CodedError, type Failure, fail, ok, type Result } from "../app/result";
import type { StepTable } from "../orchestrations/steps";
import { messageOf } from "../storage/errors";

/** What a step body may use besides its input. */
export interface StepEnv {
  app: AppContext;
  /** Other durable instances: the progress of a run's disk backups, telling a run that a disk ended. */
  durable: DurableAccess;
  /** Restore points running restores read (retention keeps them); absent: unknown, nothing is deleted. */
  readers?: RestoreReaders;
}

/** The bodies of a procedure's steps, one per step name, typed by the procedure's step signatures. */
export type ActivityTable<S extends StepTable<S>> = {
  [K in keyof S]: (env: StepEnv, input: S[K]["input"]) => Promise<S[K]["output"]>;
};

/** How a step run ended, for the one structured event per step (src/app/stepEvents.ts). */
export type StepEnd =
  | { outcome: "succeeded"; value: unknown }
  | { outcome: "failed"; failure: Failure }
  | { outcome: "error"; error: unknown };

/**
 * Runs one step body; the only place a thrown error is turned into data. `observe` hears how it ended
 * and how long it took (the registration loop logs the step's event from it).
 */
export async function runStep<T>(
  body: () => Promise<T>,
  observe?: (end: StepEnd, durationMs: number) => void,
): Promise<Result<T>> {
  const started = performance.now();
  const report = (end: StepEnd) => observe?.(end, performance.now() - started);
  try {
    const value = await body();
    report({ outcome: "succeeded", value });
    return ok(value);
  } catch (error) {
    if (error instanceof CodedError && error.final) {
      report({ outcome: "failed", failure: error.failure });
      return fail(error.failure);
    }
    // The engine keeps only the message of what a step threw: it must say why (a storage error answered
    // to a HEAD request has none).
    const thrown =
      error instanceof Error && error.message.trim().length === 0
        ? new Error(messageOf(error), { cause: error })
        : error;
    report({ outcome: "error", error: thrown });
    throw thrown;
  }
}

// How every step body runs, for every procedure: a table from step name to body, and one wrapper that
// turns the body's outcome into the Result that crosses the durable boundary. A CodedError marked final
// becomes a failed Result (not retried: the answer would not change); anything else is thrown, so the
// step's retry policy runs it again (steps are idempotent).
import type { AppContext } from "../app/context";
import type { InstanceLookup, RestoreReaders } from "../app/instances";
import { CodedError, fail, ok, type Result } from "../app/result";
import type { StepTable } from "../orchestrations/steps";

/** What a step body may use besides its input. */
export interface StepEnv {
  app: AppContext;
  /** Status of other durable instances (progress of a run's disk backups). */
  instances: InstanceLookup;
  /** Restore points running restores read (retention keeps them); absent: unknown, nothing is deleted. */
  readers?: RestoreReaders;
}

/** The bodies of a procedure's steps, one per step name, typed by the procedure's step signatures. */
export type ActivityTable<S extends StepTable<S>> = {
  [K in keyof S]: (env: StepEnv, input: S[K]["input"]) => Promise<S[K]["output"]>;
};

/** Runs one step body; the only place a thrown error is turned into data. */
export async function runStep<T>(body: () => Promise<T>): Promise<Result<T>> {
  try {
    return ok(await body());
  } catch (error) {
    if (error instanceof CodedError && error.final) return fail(error.failure);
    throw error;
  }
}

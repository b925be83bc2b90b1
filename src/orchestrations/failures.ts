// Failures of steps as orchestrators see them (pure; no I/O): a step that failed for a known reason
// returns its failure as data; one that kept throwing through its retries is turned into a failure with
// code `StepFailed`. Codes decide; messages are only shown.
import { ORCHESTRATION_FAILED, STEP_FAILED } from "../app/codes";
import type { Failure } from "../app/result";

const PREFIX =
  /^(Activity function|Orchestrator function|Sub-orchestration|Sub orchestration) '[^']*' failed: /;

/** A short, one-line reason for people (lineage rows, run summaries); never used to decide anything. */
export function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(PREFIX, "").split("\n")[0]?.slice(0, 1000) || "unknown failure";
}

export { ORCHESTRATION_FAILED, STEP_FAILED };

/** Thrown into an orchestrator when a step fails; carries the step's failure as data. */
export class StepFailure extends Error {
  readonly failure: Failure;
  constructor(
    readonly step: string,
    failure: Failure,
  ) {
    super(`${step}: ${failure.message}`);
    this.name = "StepFailure";
    this.failure = failure;
  }
}

/** The failure behind anything an orchestrator caught. */
export function failureOf(error: unknown): Failure {
  if (error instanceof StepFailure) return error.failure;
  return { code: ORCHESTRATION_FAILED, message: reasonOf(error) };
}

/** The retry policy of every step: transient trouble inside a step is retried there already. */
export const STEP_RETRY = {
  firstRetryIntervalInMilliseconds: 2000,
  maxNumberOfAttempts: 3,
  backoffCoefficient: 2,
} as const;

/** Delay before attempt `attempt + 1` (attempt counts from 1), as the durable retry policy computes it. */
export function retryDelayMs(attempt: number): number {
  return STEP_RETRY.firstRetryIntervalInMilliseconds * STEP_RETRY.backoffCoefficient ** (attempt - 1);
}

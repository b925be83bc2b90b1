// Turning a failed durable task into a short reason for the lineage and the run summary, and the retry
// policy every backup and restore activity is scheduled with (pure; no I/O).
import * as df from "durable-functions";

const PREFIX =
  /^(Activity function|Orchestrator function|Sub-orchestration|Sub orchestration) '[^']*' failed: /;

export function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(PREFIX, "").split("\n")[0]?.slice(0, 1000) ?? "unknown failure";
}

/** Standard retry of backup activities (transient trouble inside an activity is retried there already). */
export const ACTIVITY_RETRY = {
  firstRetryIntervalInMilliseconds: 2000,
  maxNumberOfAttempts: 3,
  backoffCoefficient: 2,
};

/** A fresh RetryOptions per call: durable-functions keeps per-task retry state on the object. */
export function activityRetry(): df.RetryOptions {
  const options = new df.RetryOptions(
    ACTIVITY_RETRY.firstRetryIntervalInMilliseconds,
    ACTIVITY_RETRY.maxNumberOfAttempts,
  );
  options.backoffCoefficient = ACTIVITY_RETRY.backoffCoefficient;
  return options;
}

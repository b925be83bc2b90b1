// Turning a failed durable task into a short reason for the lineage and the run summary (pure).

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

// The OrchestratorState the durable-functions SDK returns from an orchestrator invocation, and the
// actions inside it (ActionType numbers as in the SDK's ActionType enum).

export const ActionType = {
  CallActivity: 0,
  CallActivityWithRetry: 1,
  CallSubOrchestrator: 2,
  CallSubOrchestratorWithRetry: 3,
  ContinueAsNew: 4,
  CreateTimer: 5,
  WaitForExternalEvent: 6,
  CallEntity: 7,
  CallHttp: 8,
  SignalEntity: 9,
  WhenAny: 11,
  WhenAll: 12,
  LockEntities: 13,
  ReleaseEntities: 14,
} as const;

export interface RetryOptionsJson {
  firstRetryIntervalInMilliseconds: number;
  maxNumberOfAttempts: number;
  backoffCoefficient?: number;
  maxRetryIntervalInMilliseconds?: number;
  retryTimeoutInMilliseconds?: number;
}

export interface OrchestratorAction {
  actionType: number;
  functionName?: string;
  input?: unknown;
  retryOptions?: RetryOptionsJson;
  instanceId?: string;
  version?: string;
  fireAt?: string;
  isCanceled?: boolean;
  externalEventName?: string;
  compoundActions?: OrchestratorAction[];
}

export interface OrchestratorState {
  isDone: boolean;
  actions: OrchestratorAction[][];
  output?: unknown;
  error?: string;
  customStatus?: unknown;
  schemaVersion: number;
}

const OUT_OF_PROC_LABEL = "\n\n$OutOfProcData$:";

/** Splits the SDK's OrchestrationFailureError message into the error text and the state it carries. */
export function parseOutOfProcError(message: string): {
  error: string;
  state: OrchestratorState | undefined;
} {
  const at = message.indexOf(OUT_OF_PROC_LABEL);
  if (at < 0) return { error: message, state: undefined };
  const json = message.slice(at + OUT_OF_PROC_LABEL.length);
  try {
    return { error: message.slice(0, at), state: JSON.parse(json) as OrchestratorState };
  } catch {
    return { error: message.slice(0, at), state: undefined };
  }
}

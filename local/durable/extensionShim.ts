// Port of the Durable extension's out-of-proc shim (ProcessAsyncActionsV2, RetryInterceptor, long-timer
// splitting): replays the SDK's actions through a ReplayContext over the whole history and decides the
// episode's outcome.
import {
  ActionType,
  type OrchestratorAction,
  type OrchestratorState,
  type RetryOptionsJson,
} from "./actions";
import { type Coroutine, CTask, runCoroutine, whenAll, whenAny } from "./ctask";
import { EventType, type HistoryEvent } from "./history";
import { type Decision, NonDeterminismError, ReplayContext } from "./replayContext";

export type EpisodeOutcome =
  | { kind: "running" }
  | { kind: "completed"; output: unknown }
  | { kind: "failed"; message: string }
  | { kind: "continuedAsNew"; input: unknown };

export interface EpisodeResult {
  decisions: Decision[];
  outcome: EpisodeOutcome;
}

export interface ShimOptions {
  orchestratorName: string;
  executionId: string;
  maximumShortTimerMs: number;
  longRunningTimerIntervalMs: number;
  functionExists(name: string, kind: "activity" | "orchestration"): boolean;
}

/** What the SDK returned: its state, or the error it threw with the state it carried (if any). */
export interface SdkResult {
  state: OrchestratorState | undefined;
  error: string | undefined;
}

export function replayEpisode(history: HistoryEvent[], sdk: SdkResult, options: ShimOptions): EpisodeResult {
  const failed = (message: string): EpisodeResult => ({
    decisions: [],
    outcome: { kind: "failed", message },
  });
  const first = history.find((e) => e.EventType === EventType.OrchestratorStarted);
  const ctx = new ReplayContext(options.executionId, new Date(first?.Timestamp ?? Date.now()));
  const shim = new ActionShim(ctx, options, sdk.state?.schemaVersion ?? 0);
  let main: CTask<void> | undefined;
  try {
    for (const event of history) {
      ctx.apply(event);
      if (event.EventType === EventType.ExecutionStarted && !main) {
        main = runCoroutine(shim.processActions(sdk.state?.actions ?? []));
      }
      if (shim.fatal) break;
    }
  } catch (error) {
    if (error instanceof NonDeterminismError) return failed(error.message);
    throw error;
  }
  const prefix = `Orchestrator function '${options.orchestratorName}' failed: `;
  if (shim.fatal) return failed(prefix + shim.fatal);
  if (!main?.isDone) return { decisions: ctx.newDecisions(), outcome: { kind: "running" } };
  if (ctx.continueAsNewInput) {
    return { decisions: [], outcome: { kind: "continuedAsNew", input: ctx.continueAsNewInput.value } };
  }
  if (sdk.error !== undefined) return failed(prefix + sdk.error);
  if (sdk.state?.isDone) return { decisions: [], outcome: { kind: "completed", output: sdk.state.output } };
  return { decisions: ctx.newDecisions(), outcome: { kind: "running" } };
}

class ActionShim {
  fatal: string | undefined;
  readonly #ctx: ReplayContext;
  readonly #options: ShimOptions;
  readonly #schemaVersion: number;

  constructor(ctx: ReplayContext, options: ShimOptions, schemaVersion: number) {
    this.#ctx = ctx;
    this.#options = options;
    this.#schemaVersion = schemaVersion;
  }

  /** V2+: each top-level action is awaited in turn and its failure ignored (the SDK already saw it). */
  *processActions(groups: OrchestratorAction[][]): Coroutine<void> {
    for (const action of groups.flat(1)) {
      try {
        yield runCoroutine(this.#invoke(action));
      } catch {
        // Failures reach user code through the history, not through the shim.
      }
    }
  }

  *#invoke(action: OrchestratorAction): Coroutine<unknown> {
    const ctx = this.#ctx;
    const name = action.functionName ?? "";
    switch (action.actionType) {
      case ActionType.CallActivity:
        if (!this.#exists(name, "activity")) return yield this.#never();
        return yield ctx.scheduleActivity(name, action.input);
      case ActionType.CallActivityWithRetry:
        if (!this.#exists(name, "activity")) return yield this.#never();
        return yield* this.#withRetry(() => ctx.scheduleActivity(name, action.input), action.retryOptions);
      case ActionType.CallSubOrchestrator:
        if (!this.#exists(name, "orchestration")) return yield this.#never();
        return yield this.#subOrchestration(action);
      case ActionType.CallSubOrchestratorWithRetry:
        if (!this.#exists(name, "orchestration")) return yield this.#never();
        return yield* this.#withRetry(() => this.#subOrchestration(action), action.retryOptions);
      case ActionType.ContinueAsNew:
        ctx.continueAsNewInput = { value: decodePreEncoded(action.input) };
        return undefined;
      case ActionType.CreateTimer:
        return yield* this.#timer(new Date(action.fireAt ?? 0), action.isCanceled === true);
      case ActionType.WaitForExternalEvent:
        return yield ctx.waitForEvent(action.externalEventName ?? "");
      case ActionType.WhenAll:
        return yield whenAll((action.compoundActions ?? []).map((a) => runCoroutine(this.#invoke(a))));
      case ActionType.WhenAny:
        return yield whenAny((action.compoundActions ?? []).map((a) => runCoroutine(this.#invoke(a))));
      default:
        this.fatal = `Action type ${action.actionType} (entities, callHttp) is not supported by the local runtime.`;
        return yield this.#never();
    }
  }

  #subOrchestration(action: OrchestratorAction): CTask {
    return this.#ctx.createSubOrchestration(
      action.functionName ?? "",
      action.instanceId,
      action.input,
      action.version ?? "",
    );
  }

  /** DTFx RetryInterceptor: a durable timer between attempts, and one after the last failed attempt. */
  *#withRetry(call: () => CTask, options: RetryOptionsJson | undefined): Coroutine<unknown> {
    const ctx = this.#ctx;
    const retry = options ?? { firstRetryIntervalInMilliseconds: 1000, maxNumberOfAttempts: 1 };
    const firstAttempt = ctx.now.getTime();
    let lastError: unknown;
    for (let attempt = 0; attempt < retry.maxNumberOfAttempts; attempt++) {
      try {
        return yield call();
      } catch (error) {
        lastError = error;
      }
      const delay = nextRetryDelay(retry, attempt, firstAttempt, ctx.now.getTime());
      if (delay <= 0) break;
      yield ctx.createTimer(new Date(ctx.now.getTime() + delay));
    }
    throw lastError;
  }

  /** Timers beyond maximumShortTimer are chained in longRunningTimerInterval steps, matching LongTimerTask. */
  *#timer(fireAt: Date, canceled: boolean): Coroutine<unknown> {
    const ctx = this.#ctx;
    const splits = this.#schemaVersion >= 2;
    while (splits && fireAt.getTime() - ctx.now.getTime() > this.#options.maximumShortTimerMs) {
      const step = ctx.createTimer(new Date(ctx.now.getTime() + this.#options.longRunningTimerIntervalMs));
      if (canceled) step.fail(new Error("Timer canceled"));
      yield step;
    }
    const timer = ctx.createTimer(fireAt);
    if (canceled) timer.fail(new Error("Timer canceled"));
    return yield timer;
  }

  #exists(name: string, kind: "activity" | "orchestration"): boolean {
    if (this.#options.functionExists(name, kind)) return true;
    this.fatal =
      `The function '${name}' doesn't exist, is disabled, or is not an ${kind === "activity" ? "activity" : "orchestrator"} ` +
      "function. Additional info: the local runtime only knows the functions the app registered.";
    return false;
  }

  #never(): CTask {
    return new CTask();
  }
}

export function nextRetryDelay(
  options: RetryOptionsJson,
  attempt: number,
  firstAttempt: number,
  now: number,
): number {
  const timeout = options.retryTimeoutInMilliseconds;
  const expiration = timeout && timeout > 0 ? firstAttempt + timeout : Number.POSITIVE_INFINITY;
  if (now >= expiration) return 0;
  const delay = options.firstRetryIntervalInMilliseconds * (options.backoffCoefficient ?? 1) ** attempt;
  const cap = options.maxRetryIntervalInMilliseconds;
  return cap && cap > 0 && delay > cap ? cap : delay;
}

/** The SDK JSON-encodes string inputs of activities and continueAsNew before they cross the wire. */
export function decodePreEncoded(input: unknown): unknown {
  if (typeof input !== "string") return input;
  try {
    return JSON.parse(input);
  } catch {
    return input;
  }
}

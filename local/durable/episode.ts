// One orchestration episode: hands the pending messages to the orchestrator (full replay), runs the
// extension-shim port over the result, and records the decisions and outcome in the instance.
import { randomUUID } from "node:crypto";
import { childFromDecision, decisionEvent, executionStarted } from "./events";
import { replayEpisode } from "./extensionShim";
import { type FunctionRunner, TIMER_SETTINGS } from "./functionRunner";
import { EventType, type HistoryEvent, newEvent, parseJsonText, toJsonText } from "./history";
import type { InstanceRecord, PendingActivity, PendingChild, PendingTimer } from "./instance";

export interface EpisodeEffects {
  activities: PendingActivity[];
  timers: PendingTimer[];
  children: PendingChild[];
  /** Set when the execution ended, so the parent (if any) can be told. */
  finished: boolean;
  historyReset: boolean;
}

export async function runEpisode(record: InstanceRecord, runner: FunctionRunner): Promise<EpisodeEffects> {
  const effects: EpisodeEffects = {
    activities: [],
    timers: [],
    children: [],
    finished: false,
    historyReset: false,
  };
  const now = new Date();
  const messages = record.inbox.splice(0);
  record.lastUpdatedTime = now.toISOString();
  const terminate = messages.find((m) => m.EventType === EventType.ExecutionTerminated);
  if (terminate) {
    record.history.push(newEvent(EventType.OrchestratorStarted, now), terminate);
    finish(record, now, "Terminated", terminate.Input ?? null);
    effects.finished = true;
    return effects;
  }
  const fn = runner.find(record.name, "orchestration");
  const fresh: HistoryEvent[] = [newEvent(EventType.OrchestratorStarted, now), ...messages];
  const history = [...record.history.map((e) => ({ ...e, IsPlayed: true })), ...fresh];
  record.status = "Running";
  const sdk = fn
    ? await runner.runOrchestrator(
        fn,
        record.instanceId,
        history,
        parseJsonText(record.input),
        record.parent?.OrchestrationInstance.InstanceId,
      )
    : {
        state: undefined,
        error: `The function '${record.name}' doesn't exist or is not an orchestrator function.`,
      };
  const result = replayEpisode(history, sdk, {
    orchestratorName: record.name,
    executionId: record.executionId,
    maximumShortTimerMs: TIMER_SETTINGS.maximumShortTimerMs,
    longRunningTimerIntervalMs: TIMER_SETTINGS.longRunningTimerIntervalMs,
    functionExists: (name, kind) => runner.find(name, kind) !== undefined,
  });
  if (sdk.state && sdk.state.customStatus !== undefined)
    record.customStatus = toJsonText(sdk.state.customStatus);
  record.history.push(...fresh);
  for (const decision of result.decisions) {
    record.history.push(decisionEvent(now, decision));
    if (decision.kind === "activity") {
      effects.activities.push({ id: decision.id, name: decision.name, input: decision.input });
    } else if (decision.kind === "timer") {
      effects.timers.push({ id: decision.id, fireAt: decision.fireAt.toISOString() });
    } else effects.children.push(childFromDecision(decision));
  }
  record.history.push(newEvent(EventType.OrchestratorCompleted, now));
  record.activities.push(...effects.activities);
  record.timers.push(...effects.timers);
  record.children.push(...effects.children);
  const outcome = result.outcome;
  if (outcome.kind === "completed") {
    finish(record, now, "Completed", toJsonText(outcome.output));
    effects.finished = true;
  } else if (outcome.kind === "failed") {
    finish(record, now, "Failed", JSON.stringify(outcome.message));
    effects.finished = true;
  } else if (outcome.kind === "continuedAsNew") {
    continueAsNew(record, now, outcome.input);
    effects.historyReset = true;
  }
  return effects;
}

function finish(
  record: InstanceRecord,
  now: Date,
  status: "Completed" | "Failed" | "Terminated",
  output: string | null,
) {
  if (status !== "Terminated") {
    record.history.push(
      newEvent(EventType.ExecutionCompleted, now, { OrchestrationStatus: status, Result: output }),
    );
  }
  record.status = status;
  record.output = output;
  record.activities = [];
  record.timers = [];
  record.children = [];
}

/** Ends this execution and queues the start of the next one; unprocessed events are dropped. */
function continueAsNew(record: InstanceRecord, now: Date, input: unknown): void {
  record.executionId = randomUUID().replaceAll("-", "");
  record.input = toJsonText(input);
  record.status = "ContinuedAsNew";
  record.history = [];
  record.activities = [];
  record.timers = [];
  record.children = [];
  record.inbox = [
    executionStarted(
      now,
      record.instanceId,
      record.executionId,
      record.name,
      record.version,
      record.input,
      record.parent,
    ),
  ];
}

// The DTFx / extension-shim port on its own: history shapes against the SDK's own history event
// classes, sequence ids, non-determinism, retry timers, long-timer splitting and the Task.all quirk.
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { ActionType, type OrchestratorAction, type OrchestratorState } from "../../local/durable/actions";
import * as ev from "../../local/durable/events";
import { nextRetryDelay, replayEpisode, type SdkResult } from "../../local/durable/extensionShim";
import { EventType, type HistoryEvent, newEvent } from "../../local/durable/history";

const sdkRequire = createRequire(require.resolve("durable-functions"));
type SdkEventClass = new (options: Record<string, unknown>) => Record<string, unknown>;
const sdkEvent = (name: string) =>
  (sdkRequire(`./history/${name}`) as Record<string, SdkEventClass>)[name] as SdkEventClass;

const t0 = new Date("2025-01-01T00:00:00.000Z");
const at = (ms: number) => new Date(t0.getTime() + ms);

/** Every field the SDK's own event class sets must be present in ours with the same value. */
function expectSdkShape(ours: HistoryEvent, className: string, options: Record<string, unknown>): void {
  const Sdk = sdkEvent(className);
  const theirs = new Sdk({
    eventId: ours.EventId,
    isPlayed: ours.IsPlayed,
    timestamp: ours.Timestamp,
    ...options,
  });
  for (const [key, value] of Object.entries(theirs)) {
    if (key === "IsProcessed" || key === "FailureDetails") continue;
    expect({ key, value: (ours as unknown as Record<string, unknown>)[key] }).toEqual({ key, value });
  }
}

describe("history events match the SDK's history classes", () => {
  it("has the fields the SDK reads for every event it replays", () => {
    expectSdkShape(ev.taskCompleted(t0, 3, "42"), "TaskCompletedEvent", { taskScheduledId: 3, result: "42" });
    expectSdkShape(ev.taskFailed(t0, 4, "r", "d"), "TaskFailedEvent", {
      taskScheduledId: 4,
      reason: "r",
      details: "d",
    });
    expectSdkShape(ev.timerFired(t0, 5, at(1000).toISOString()), "TimerFiredEvent", {
      timerId: 5,
      fireAt: at(1000).toISOString(),
    });
    expectSdkShape(ev.eventRaised(t0, "Approve", '{"by":"a"}'), "EventRaisedEvent", {
      name: "Approve",
      input: '{"by":"a"}',
    });
    expectSdkShape(ev.subOrchestrationCompleted(t0, 6, "1"), "SubOrchestrationInstanceCompletedEvent", {
      taskScheduledId: 6,
      result: "1",
    });
    expectSdkShape(ev.subOrchestrationFailed(t0, 7, "r", "d"), "SubOrchestrationInstanceFailedEvent", {
      taskScheduledId: 7,
      reason: "r",
      details: "d",
    });
    const started = ev.executionStarted(t0, "i", "e", "orch", "", '{"a":1}', null);
    expectSdkShape(started, "ExecutionStartedEvent", { name: "orch", input: '{"a":1}', version: "" });
    expectSdkShape(newEvent(EventType.OrchestratorStarted, t0), "OrchestratorStartedEvent", {});
    const timer = ev.decisionEvent(t0, { kind: "timer", id: 1, fireAt: at(5) });
    expectSdkShape(timer, "TimerCreatedEvent", { fireAt: at(5).toISOString() });
    const sub = ev.decisionEvent(t0, {
      kind: "subOrchestration",
      id: 2,
      name: "c",
      instanceId: "p:c",
      input: 1,
      version: "",
    });
    expectSdkShape(sub, "SubOrchestrationInstanceCreatedEvent", { name: "c", instanceId: "p:c", input: "1" });
    const task = ev.decisionEvent(t0, { kind: "activity", id: 0, name: "a", input: '"x"' });
    expectSdkShape(task, "TaskScheduledEvent", { name: "a", input: JSON.stringify(['"x"']) });
  });
});

const options = {
  orchestratorName: "orch",
  executionId: "exec1",
  maximumShortTimerMs: 6 * 24 * 3600_000,
  longRunningTimerIntervalMs: 3 * 24 * 3600_000,
  functionExists: () => true,
};

const state = (actions: OrchestratorAction[], extra: Partial<OrchestratorState> = {}): SdkResult => ({
  state: { isDone: false, schemaVersion: 2, actions: [actions], ...extra },
  error: extra.error,
});

const begin = (): HistoryEvent[] => [
  newEvent(EventType.OrchestratorStarted, t0),
  ev.executionStarted(t0, "i", "exec1", "orch", "", null, null),
];

const activity = (name: string): OrchestratorAction => ({
  actionType: ActionType.CallActivity,
  functionName: name,
  input: 1,
});

describe("extension shim port", () => {
  it("numbers new work in order and leaves it as the episode's decisions", () => {
    const all: OrchestratorAction = {
      actionType: ActionType.WhenAll,
      compoundActions: [activity("a"), activity("b")],
    };
    const result = replayEpisode(begin(), state([all]), options);
    expect(result.outcome).toEqual({ kind: "running" });
    expect(result.decisions.map((d) => `${d.kind}#${d.id}`)).toEqual(["activity#0", "activity#1"]);
  });

  it("detects a replay that schedules a different activity than the history", () => {
    const history = [...begin(), ev.decisionEvent(t0, { kind: "activity", id: 0, name: "echo", input: 1 })];
    const result = replayEpisode(history, state([activity("listDisks")]), options);
    expect(result.outcome.kind).toBe("failed");
    expect(JSON.stringify(result.outcome)).toContain("Non-Deterministic workflow detected");
    expect(JSON.stringify(result.outcome)).toContain("named 'echo'");
  });

  it("detects history work the replay no longer schedules", () => {
    const history = [...begin(), ev.decisionEvent(t0, { kind: "timer", id: 0, fireAt: at(10) })];
    const result = replayEpisode(history, state([]), options);
    expect(JSON.stringify(result.outcome)).toContain("hasn't (yet?) scheduled");
  });

  it("splits a 10-day timer like LongTimerTask: +3d, +6d, then the final fire time", () => {
    const day = 24 * 3600_000;
    const timer: OrchestratorAction = {
      actionType: ActionType.CreateTimer,
      fireAt: at(10 * day).toISOString(),
      isCanceled: false,
    };
    const history = begin();
    const fireTimes: string[] = [];
    for (let step = 0; step < 3; step++) {
      const result = replayEpisode(history, state([timer]), options);
      const decision = result.decisions[0];
      if (decision?.kind !== "timer") throw new Error("expected a timer decision");
      fireTimes.push(decision.fireAt.toISOString());
      history.push(ev.decisionEvent(t0, decision), newEvent(EventType.OrchestratorStarted, decision.fireAt));
      history.push(ev.timerFired(decision.fireAt, decision.id, decision.fireAt.toISOString()));
    }
    expect(fireTimes).toEqual([at(3 * day), at(6 * day), at(10 * day)].map((d) => d.toISOString()));
  });

  it("keeps a failed Task.all running until every sibling finished (the shim's Task.WhenAll)", () => {
    const all: OrchestratorAction = {
      actionType: ActionType.WhenAll,
      compoundActions: [activity("a"), activity("b")],
    };
    const history = [
      ...begin(),
      ev.decisionEvent(t0, { kind: "activity", id: 0, name: "a", input: 1 }),
      ev.decisionEvent(t0, { kind: "activity", id: 1, name: "b", input: 1 }),
      newEvent(EventType.OrchestratorStarted, at(1)),
      ev.taskFailed(at(1), 0, "boom", "stack"),
    ];
    const failedSdk = state([all], { error: "boom" });
    expect(replayEpisode(history, failedSdk, options).outcome).toEqual({ kind: "running" });
    history.push(newEvent(EventType.OrchestratorStarted, at(2)), ev.taskCompleted(at(2), 1, "1"));
    expect(replayEpisode(history, failedSdk, options).outcome).toEqual({
      kind: "failed",
      message: "Orchestrator function 'orch' failed: boom",
    });
  });

  it("fails the orchestration when it calls a function the app did not register", () => {
    const result = replayEpisode(begin(), state([activity("missing")]), {
      ...options,
      functionExists: () => false,
    });
    expect(JSON.stringify(result.outcome)).toContain("The function 'missing' doesn't exist");
  });

  it("computes retry delays with backoff, cap and timeout as DTFx does", () => {
    const retry = { firstRetryIntervalInMilliseconds: 1000, maxNumberOfAttempts: 5, backoffCoefficient: 2 };
    expect([0, 1, 2, 3].map((n) => nextRetryDelay(retry, n, 0, 0))).toEqual([1000, 2000, 4000, 8000]);
    expect(nextRetryDelay({ ...retry, maxRetryIntervalInMilliseconds: 3000 }, 3, 0, 0)).toBe(3000);
    expect(nextRetryDelay({ ...retry, retryTimeoutInMilliseconds: 500 }, 0, 0, 600)).toBe(0);
  });
});

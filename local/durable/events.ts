// Builders for the history events the engine writes, in the shapes DTFx stores them.

import { EventType, type HistoryEvent, newEvent, type ParentInstanceInfo, toJsonText } from "./history";
import type { PendingChild } from "./instance";
import type { Decision } from "./replayContext";

export function executionStarted(
  now: Date,
  instanceId: string,
  executionId: string,
  name: string,
  version: string,
  input: string | null,
  parent: ParentInstanceInfo | null,
): HistoryEvent {
  return newEvent(EventType.ExecutionStarted, now, {
    OrchestrationInstance: { InstanceId: instanceId, ExecutionId: executionId },
    ParentInstance: parent,
    Name: name,
    Version: version,
    Input: input,
    Tags: null,
    Correlation: null,
    ScheduledStartTime: null,
    Generation: 0,
  });
}

/** The event recording a decision the episode made (TaskScheduled, TimerCreated, SubOrchestrationInstanceCreated). */
export function decisionEvent(now: Date, decision: Decision): HistoryEvent {
  switch (decision.kind) {
    case "activity":
      return newEvent(EventType.TaskScheduled, now, {
        EventId: decision.id,
        Name: decision.name,
        Version: "",
        Input: JSON.stringify([decision.input ?? null]),
      });
    case "timer":
      return newEvent(EventType.TimerCreated, now, {
        EventId: decision.id,
        FireAt: decision.fireAt.toISOString(),
      });
    case "subOrchestration":
      return newEvent(EventType.SubOrchestrationInstanceCreated, now, {
        EventId: decision.id,
        Name: decision.name,
        Version: decision.version,
        InstanceId: decision.instanceId,
        Input: toJsonText(decision.input),
      });
  }
}

export function childFromDecision(decision: Decision & { kind: "subOrchestration" }): PendingChild {
  return {
    id: decision.id,
    name: decision.name,
    instanceId: decision.instanceId,
    input: decision.input,
    version: decision.version,
  };
}

export function taskCompleted(now: Date, id: number, result: string | null): HistoryEvent {
  return newEvent(EventType.TaskCompleted, now, { TaskScheduledId: id, Result: result });
}

export function taskFailed(now: Date, id: number, reason: string, details: string): HistoryEvent {
  return newEvent(EventType.TaskFailed, now, { TaskScheduledId: id, Reason: reason, Details: details });
}

export function timerFired(now: Date, id: number, fireAt: string): HistoryEvent {
  return newEvent(EventType.TimerFired, now, { TimerId: id, FireAt: fireAt });
}

export function eventRaised(now: Date, name: string, input: string | null): HistoryEvent {
  return newEvent(EventType.EventRaised, now, { Name: name, Input: input });
}

export function subOrchestrationCompleted(now: Date, id: number, result: string | null): HistoryEvent {
  return newEvent(EventType.SubOrchestrationInstanceCompleted, now, { TaskScheduledId: id, Result: result });
}

export function subOrchestrationFailed(now: Date, id: number, reason: string, details: string): HistoryEvent {
  return newEvent(EventType.SubOrchestrationInstanceFailed, now, {
    TaskScheduledId: id,
    Reason: reason,
    Details: details,
  });
}

export function executionTerminated(now: Date, reason: string): HistoryEvent {
  return newEvent(EventType.ExecutionTerminated, now, { Input: JSON.stringify(reason) });
}

/** Input JSON text for ExecutionStarted (null when there is no input). */
export function inputText(input: unknown): string | null {
  return input === undefined ? null : JSON.stringify(input);
}

// History events in the DTFx JSON shape the durable-functions SDK replays (EventType numbers match
// DTFx's EventType enum), plus helpers to build them.

export const EventType = {
  ExecutionStarted: 0,
  ExecutionCompleted: 1,
  ExecutionFailed: 2,
  ExecutionTerminated: 3,
  TaskScheduled: 4,
  TaskCompleted: 5,
  TaskFailed: 6,
  SubOrchestrationInstanceCreated: 7,
  SubOrchestrationInstanceCompleted: 8,
  SubOrchestrationInstanceFailed: 9,
  TimerCreated: 10,
  TimerFired: 11,
  OrchestratorStarted: 12,
  OrchestratorCompleted: 13,
  EventSent: 14,
  EventRaised: 15,
  ContinueAsNew: 16,
  GenericEvent: 17,
  HistoryState: 18,
  ExecutionSuspended: 19,
  ExecutionResumed: 20,
} as const;

export type EventTypeNumber = (typeof EventType)[keyof typeof EventType];

export interface OrchestrationInstanceRef {
  InstanceId: string;
  ExecutionId: string;
}

export interface ParentInstanceInfo {
  Name: string;
  Version: string;
  TaskScheduleId: number;
  OrchestrationInstance: OrchestrationInstanceRef;
}

/** One history row. Only the fields relevant to each EventType are set. */
export interface HistoryEvent {
  EventType: EventTypeNumber;
  EventId: number;
  IsPlayed: boolean;
  Timestamp: string;
  Name?: string;
  Version?: string;
  Input?: string | null;
  Result?: string | null;
  Reason?: string;
  Details?: string;
  TaskScheduledId?: number;
  TimerId?: number;
  FireAt?: string;
  InstanceId?: string;
  OrchestrationInstance?: OrchestrationInstanceRef;
  ParentInstance?: ParentInstanceInfo | null;
  OrchestrationStatus?: string;
  Tags?: null;
  Correlation?: null;
  ScheduledStartTime?: null;
  Generation?: number;
}

export function newEvent(type: EventTypeNumber, now: Date, fields: Partial<HistoryEvent> = {}): HistoryEvent {
  return { EventType: type, EventId: -1, IsPlayed: false, Timestamp: now.toISOString(), ...fields };
}

/** JSON text of a value as the extension stores it (undefined becomes null). */
export function toJsonText(value: unknown): string {
  return value === undefined ? "null" : JSON.stringify(value);
}

export function parseJsonText(text: string | null | undefined): unknown {
  if (text === null || text === undefined || text === "") return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

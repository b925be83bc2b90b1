// The state the engine keeps per orchestration instance: status, history, pending messages and the
// work dispatched but not yet answered (so a restart can dispatch it again).
import type { HistoryEvent, ParentInstanceInfo } from "./history";

export type RuntimeStatus =
  | "Pending"
  | "Running"
  | "Completed"
  | "ContinuedAsNew"
  | "Failed"
  | "Terminated"
  | "Suspended";

export interface PendingActivity {
  id: number;
  name: string;
  input: unknown;
}

export interface PendingTimer {
  id: number;
  fireAt: string;
}

export interface PendingChild {
  id: number;
  name: string;
  instanceId: string;
  input: unknown;
  version: string;
}

export interface InstanceRecord {
  instanceId: string;
  name: string;
  version: string;
  executionId: string;
  status: RuntimeStatus;
  /** JSON texts, as the extension stores them. */
  input: string | null;
  output: string | null;
  customStatus: string | null;
  createdTime: string;
  lastUpdatedTime: string;
  parent: ParentInstanceInfo | null;
  history: HistoryEvent[];
  /** Messages not yet seen by an episode (completions, timers, events, start, terminate). */
  inbox: HistoryEvent[];
  activities: PendingActivity[];
  timers: PendingTimer[];
  children: PendingChild[];
}

const BUSY: RuntimeStatus[] = ["Pending", "Running", "ContinuedAsNew", "Suspended"];

export function isRunning(record: InstanceRecord): boolean {
  return BUSY.includes(record.status);
}

export function isTerminal(record: InstanceRecord): boolean {
  return !isRunning(record);
}

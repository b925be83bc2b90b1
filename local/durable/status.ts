// The extension's StatusResponsePayload for an instance, and the simplified history it returns with
// showHistory=true.
import { EventType, type HistoryEvent, parseJsonText } from "./history";
import type { InstanceRecord } from "./instance";

export interface StatusOptions {
  showInput: boolean;
  showHistory: boolean;
  showHistoryOutput: boolean;
}

const EVENT_NAMES = Object.fromEntries(Object.entries(EventType).map(([name, value]) => [value, name]));

/** The extension writes times without fractional seconds. */
function statusTime(iso: string): string {
  return iso.replace(/\.\d{3}Z$/, "Z");
}

export function statusPayload(record: InstanceRecord, options: StatusOptions): Record<string, unknown> {
  const payload: Record<string, unknown> = {
    name: record.name,
    instanceId: record.instanceId,
    runtimeStatus: record.status,
    input: options.showInput ? parseJsonText(record.input) : null,
    customStatus: parseJsonText(record.customStatus),
    output: parseJsonText(record.output),
    createdTime: statusTime(record.createdTime),
    lastUpdatedTime: statusTime(record.lastUpdatedTime),
  };
  if (options.showHistory) payload.historyEvents = simplifyHistory(record.history, options.showHistoryOutput);
  return payload;
}

function simplifyHistory(history: HistoryEvent[], withOutput: boolean): Record<string, unknown>[] {
  const names = new Map<number, string>();
  const out: Record<string, unknown>[] = [];
  for (const event of history) {
    if (
      event.EventType === EventType.OrchestratorStarted ||
      event.EventType === EventType.OrchestratorCompleted
    ) {
      continue;
    }
    if (event.EventId >= 0 && event.Name) names.set(event.EventId, event.Name);
    const row: Record<string, unknown> = {
      EventType: EVENT_NAMES[event.EventType],
      Timestamp: event.Timestamp,
    };
    const id = event.TaskScheduledId ?? event.TimerId;
    if (event.Name) row.FunctionName = event.Name;
    else if (id !== undefined && names.has(id)) row.FunctionName = names.get(id);
    if (event.EventId >= 0) row.EventId = event.EventId;
    if (id !== undefined) row.ScheduledId = id;
    if (event.FireAt) row.FireAt = event.FireAt;
    if (event.Reason) row.Reason = event.Reason;
    if (event.OrchestrationStatus) row.OrchestrationStatus = event.OrchestrationStatus;
    if (withOutput && event.Result !== undefined) row.Result = parseJsonText(event.Result);
    if (event.EventType === EventType.ExecutionStarted) row.Input = parseJsonText(event.Input);
    out.push(row);
  }
  return out;
}

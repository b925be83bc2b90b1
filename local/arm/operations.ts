// Long-running operations as the disk resource provider runs them: 202 with Azure-AsyncOperation
// (status: InProgress until done, then Succeeded or Failed) and Location (`monitor=true`: 202
// while running, then the operation's result, e.g. `{ "accessSAS": "..." }` for grant access).
import { randomUUID } from "node:crypto";
import type { OutgoingHttpHeaders } from "node:http";
import { ArmError } from "./errors";
import type { OperationRecord, StandInState } from "./state";

export const API_VERSION = "2025-01-02";
/** Finished operations are kept this long for late pollers, then dropped. */
const RETENTION_MS = 60 * 60 * 1000;

export interface OperationSettings {
  /** Base URL of the stand-in (https://host:port). */
  baseUrl(): string;
  subscriptionId: string;
  location: string;
  /** How long every operation reports InProgress before its outcome. */
  delayMs: number;
}

export interface Accepted {
  status: 202;
  headers: OutgoingHttpHeaders;
  body?: unknown;
}

export class Operations {
  constructor(
    private readonly state: () => StandInState,
    private readonly settings: OperationSettings,
  ) {}

  private url(id: string, monitor: boolean): string {
    const { subscriptionId, location } = this.settings;
    const base = `${this.settings.baseUrl()}/subscriptions/${subscriptionId}/providers/Microsoft.Compute/locations/${location}/DiskOperations/${id}`;
    return `${base}?${monitor ? "monitor=true&" : ""}api-version=${API_VERSION}`;
  }

  /** Records an operation whose outcome is already known (the work is done) and answers 202. */
  accept(outcome: { output?: unknown } | { error: ArmError }, body?: unknown): Accepted {
    const now = Date.now();
    this.prune(now);
    const id = randomUUID();
    const record: OperationRecord = {
      id,
      startTime: new Date(now).toISOString(),
      completeAt: now + this.settings.delayMs,
      status: "error" in outcome ? "Failed" : "Succeeded",
      ...("output" in outcome && outcome.output !== undefined ? { output: outcome.output } : {}),
      ...("error" in outcome ? { error: { code: outcome.error.code, message: outcome.error.message } } : {}),
    };
    this.state().operations[id] = record;
    return {
      status: 202,
      headers: { "azure-asyncoperation": this.url(id, false), location: this.url(id, true) },
      body,
    };
  }

  private find(id: string): OperationRecord {
    const record = this.state().operations[id.toLowerCase()] ?? this.state().operations[id];
    if (record === undefined) {
      throw new ArmError(404, "NotFound", `The operation '${id}' was not found.`);
    }
    return record;
  }

  /** GET of the Azure-AsyncOperation URL: the operation's status document. */
  status(id: string): { status: number; body: unknown } {
    const record = this.find(id);
    const done = Date.now() >= record.completeAt;
    const body: Record<string, unknown> = {
      name: record.id,
      startTime: record.startTime,
      status: done ? record.status : "InProgress",
    };
    if (done) body.endTime = new Date(record.completeAt).toISOString();
    if (done && record.output !== undefined) body.properties = { output: record.output };
    if (done && record.error !== undefined) body.error = record.error;
    return { status: 200, body };
  }

  /** GET of the Location URL: 202 while running, then the result (or the error). */
  monitor(id: string): { status: number; body?: unknown; headers?: OutgoingHttpHeaders } {
    const record = this.find(id);
    if (Date.now() < record.completeAt) {
      return { status: 202, headers: { location: this.url(id, true) } };
    }
    if (record.error !== undefined) return { status: 400, body: { error: record.error } };
    return { status: 200, body: record.output };
  }

  private prune(now: number): void {
    const operations = this.state().operations;
    for (const [id, record] of Object.entries(operations)) {
      if (record.completeAt + RETENTION_MS < now) delete operations[id];
    }
  }
}

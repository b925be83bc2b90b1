// One structured event per step run, for every procedure (backup, restore, and retention when it exists):
// disk id, restore point id, bytes, duration and outcome, written as one log line `StepEvent {json}` so the
// Application Insights alerts and queries (README "Health and alerts") can parse it. The step wrapper
// (src/functions/activities.ts) emits it; the fields are found in the step's payloads by the rules below,
// so a new procedure's steps get events without code of their own.
import type { Failure } from "./result";

export const STEP_EVENT_PREFIX = "StepEvent ";

/** `succeeded`; `failed`: a final failure returned as data; `error`: thrown, so the step will be retried. */
export type StepOutcome = "succeeded" | "failed" | "error";

export interface StepEvent {
  /** The procedure whose table holds the step (`backup`, `restore`, ...). */
  procedure: string;
  /** The step (activity) name. */
  step: string;
  outcome: StepOutcome;
  diskId: string | null;
  restorePointId: string | null;
  /** The run (orchestration instance) the step belongs to, when its input names it. */
  runId: string | null;
  /** Bytes the step copied, compared or planned, when its output says. */
  bytes: number | null;
  durationMs: number;
  /** Failure code: the step's own (failed, error) or the one it records (a fail step's input). */
  code: string | null;
  /** Why: the step's failure, or the reason a fail step records. */
  reason: string | null;
}

const ID_DEPTH = 3;
const BYTES_DEPTH = 2;
/** Byte counts by preference: what a step did before what it planned. */
const BYTE_FIELDS = ["bytesCopied", "bytesCompared", "bytesDeleted", "changedBytes", "writeBytes", "bytes"];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The first value of `key` in a breadth-first walk of nested objects (not arrays) up to `depth`. */
export function findField(value: unknown, key: string, depth: number): unknown {
  let level: unknown[] = [value];
  for (let d = 0; d <= depth && level.length > 0; d++) {
    const next: unknown[] = [];
    for (const item of level) {
      if (!isObject(item)) continue;
      if (item[key] !== undefined && item[key] !== null) return item[key];
      next.push(...Object.values(item));
    }
    level = next;
  }
  return undefined;
}

function text(value: unknown): string | null {
  return typeof value === "string" && value.length > 0 ? value : null;
}

function bytesOf(output: unknown): number | null {
  for (const field of BYTE_FIELDS) {
    const found = findField(output, field, BYTES_DEPTH);
    if (typeof found === "number" && Number.isFinite(found)) return found;
  }
  return null;
}

/** What a fail step records: `{ reason }` (backup) or `{ failure: { code, message } }` (restore). */
function recorded(input: unknown): { code: string | null; reason: string | null } {
  if (!isObject(input)) return { code: null, reason: null };
  const failure = isObject(input.failure) ? input.failure : undefined;
  return {
    code: text(failure?.code) ?? text(input.code),
    reason: text(failure?.message) ?? text(input.reason),
  };
}

export interface StepRun {
  procedure: string;
  step: string;
  input: unknown;
  durationMs: number;
  /** The step's value (succeeded), its failure (failed), or what it threw (error). */
  result:
    | { outcome: "succeeded"; value: unknown }
    | { outcome: "failed"; failure: Failure }
    | { outcome: "error"; error: unknown };
}

/** The event of one step run. Ids come from the input (the output when the input has none). Pure. */
export function stepEventOf(run: StepRun): StepEvent {
  const { input, result } = run;
  const value = result.outcome === "succeeded" ? result.value : undefined;
  const id = (key: string) => text(findField(input, key, ID_DEPTH)) ?? text(findField(value, key, ID_DEPTH));
  const own =
    result.outcome === "failed"
      ? { code: result.failure.code, reason: result.failure.message }
      : result.outcome === "error"
        ? { code: null, reason: result.error instanceof Error ? result.error.message : String(result.error) }
        : recorded(input);
  return {
    procedure: run.procedure,
    step: run.step,
    outcome: result.outcome,
    diskId: id("diskId"),
    restorePointId: id("restorePointId"),
    runId: id("runId"),
    bytes: bytesOf(value),
    durationMs: Math.round(run.durationMs),
    code: own.code,
    reason: own.reason,
  };
}

/** The log line: the prefix, then the event as one line of JSON. */
export function formatStepEvent(event: StepEvent): string {
  return `${STEP_EVENT_PREFIX}${JSON.stringify(event)}`;
}

/** The event in a log line (anything before the prefix is ignored), or undefined. */
export function parseStepEvent(line: string): StepEvent | undefined {
  const at = line.indexOf(STEP_EVENT_PREFIX);
  if (at < 0) return undefined;
  try {
    const parsed: unknown = JSON.parse(line.slice(at + STEP_EVENT_PREFIX.length));
    return isObject(parsed) && typeof parsed.step === "string" ? (parsed as unknown as StepEvent) : undefined;
  } catch {
    return undefined;
  }
}

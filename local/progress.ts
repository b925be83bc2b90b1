// What `npm start` prints about the app's runs: each top-level orchestration's start, its progress
// (bytes done of total, rate, time left) read from the customStatus of the instance and its
// sub-orchestrations, and its result or failure with the reason.
import type { InstanceRecord } from "./durable/instance";

const MiB = 1024 * 1024;

interface Progress {
  phase?: string;
  bytesTotal?: number;
  bytesDone?: number;
}

interface Tracked {
  announced: boolean;
  finished: boolean;
  lastLine: string;
  /** First sample of the current phase: rate = bytes since then / time since then. */
  phaseStart?: { phase: string; at: number; bytes: number };
}

function parse<T>(text: string | null): T | undefined {
  if (text === null) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

const shortId = (id: string) => (id.length > 12 ? id.slice(0, 8) : id);
const mib = (bytes: number) => (bytes / MiB).toFixed(bytes < 10 * MiB ? 1 : 0);

function seconds(value: number): string {
  if (value < 60) return `${Math.max(1, Math.round(value))} s`;
  return `${Math.floor(value / 60)} min ${Math.round(value % 60)} s`;
}

/** The instance's own progress, or its sub-orchestrations' summed (they update per batch, the parent less often). */
function progressOf(record: InstanceRecord, children: InstanceRecord[]): Progress {
  const own = parse<Progress>(record.customStatus) ?? {};
  const kids = children.map((c) => parse<Progress>(c.customStatus) ?? {}).filter((p) => p.bytesTotal);
  if (kids.length === 0) return own;
  const sum = (key: "bytesTotal" | "bytesDone") => kids.reduce((total, p) => total + (p[key] ?? 0), 0);
  const phases = [...new Set(kids.map((p) => p.phase).filter(Boolean))];
  return { phase: phases.join("+") || own.phase, bytesTotal: sum("bytesTotal"), bytesDone: sum("bytesDone") };
}

function progressLine(label: string, progress: Progress, state: Tracked, now: number): string {
  const phase = progress.phase ?? "running";
  const total = progress.bytesTotal ?? 0;
  const done = progress.bytesDone ?? 0;
  if (total <= 0) return `${label}: ${phase}`;
  if (state.phaseStart?.phase !== phase) state.phaseStart = { phase, at: now, bytes: done };
  const elapsed = (now - state.phaseStart.at) / 1000;
  const rate = elapsed > 0 ? (done - state.phaseStart.bytes) / elapsed : 0;
  const parts = [
    `${label}: ${phase} ${mib(done)} / ${mib(total)} MiB (${Math.floor((100 * done) / total)}%)`,
  ];
  if (rate > 0) {
    parts.push(`${mib(rate)} MiB/s`);
    if (done < total) parts.push(`about ${seconds((total - done) / rate)} left`);
  }
  return parts.join(", ");
}

interface DiskOutcome {
  diskId: string;
  status: string;
  reason?: string;
  restorePoint?: { restorePointId: string; kind: string; changedBytes: number };
}

interface RunOutput {
  disks?: DiskOutcome[];
  restoredDiskUrl?: string;
  restorePointId?: string;
  verification?: { verified?: boolean; bytesCompared?: number };
}

function resultLines(label: string, record: InstanceRecord): string[] {
  const took = (Date.parse(record.lastUpdatedTime) - Date.parse(record.createdTime)) / 1000;
  if (record.status !== "Completed") {
    const reason = parse<string>(record.output) ?? record.output ?? "no reason recorded";
    return [`${label}: ${record.status.toUpperCase()} after ${seconds(took)}: ${reason}`];
  }
  const output = parse<RunOutput>(record.output) ?? {};
  const lines: string[] = [];
  for (const disk of output.disks ?? []) {
    const point = disk.restorePoint;
    lines.push(
      point && disk.status === "completed"
        ? `  ${disk.diskId}: restore point ${point.restorePointId} (${point.kind}, ${mib(point.changedBytes)} MiB copied)`
        : `  ${disk.diskId}: ${disk.status}${disk.reason ? `: ${disk.reason}` : ""}`,
    );
  }
  if (output.restoredDiskUrl !== undefined) {
    const verified = output.verification?.verified;
    lines.push(
      `  restored to ${output.restoredDiskUrl} (restore point ${output.restorePointId ?? "?"}` +
        `${verified === undefined ? "" : verified ? ", verified" : ", NOT verified"})`,
    );
  }
  const failedDisks = (output.disks ?? []).filter((d) => d.status === "failed").length;
  const outcome = failedDisks > 0 ? `completed with ${failedDisks} failed disk(s)` : "completed";
  return [`${label}: ${outcome} in ${seconds(took)}`, ...lines];
}

export interface ProgressReporter {
  /** One look at the instances: prints what changed since the last one. */
  tick(now?: number): void;
  stop(): void;
}

/**
 * Polls `instances()` every `intervalMs` and prints through `log`. Runs that had finished before
 * `since` are history and stay silent; runs still going are reported as resumed.
 */
export function startProgressReporter(
  instances: () => readonly InstanceRecord[],
  log: (line: string) => void,
  options: { intervalMs?: number; since?: number } = {},
): ProgressReporter {
  const since = options.since ?? Date.now();
  const tracked = new Map<string, Tracked>();
  const tick = (now = Date.now()) => {
    const all = instances();
    const children = new Map<string, InstanceRecord[]>();
    for (const record of all) {
      const parentId = record.parent?.OrchestrationInstance.InstanceId;
      if (parentId !== undefined) children.set(parentId, [...(children.get(parentId) ?? []), record]);
    }
    for (const record of all) {
      if (record.parent !== null) continue;
      const running = ["Pending", "Running", "ContinuedAsNew", "Suspended"].includes(record.status);
      let state = tracked.get(record.instanceId);
      if (state === undefined) {
        state = { announced: false, finished: false, lastLine: "" };
        tracked.set(record.instanceId, state);
        if (!running && Date.parse(record.lastUpdatedTime) < since) state.finished = true;
      }
      if (state.finished) continue;
      const label = `${record.name} ${shortId(record.instanceId)}`;
      if (!state.announced) {
        state.announced = true;
        const resumed = Date.parse(record.createdTime) < since;
        log(`${label}: ${resumed ? "resumed" : "started"} (instance ${record.instanceId})`);
      }
      if (running) {
        const line = progressLine(
          label,
          progressOf(record, children.get(record.instanceId) ?? []),
          state,
          now,
        );
        // The rate part changes every tick; print when the bytes or the phase moved.
        const key = line.split(", ")[0] ?? line;
        if (key !== state.lastLine) log(line);
        state.lastLine = key;
        continue;
      }
      state.finished = true;
      for (const line of resultLines(label, record)) log(line);
    }
  };
  const timer = setInterval(() => tick(), options.intervalMs ?? 1000);
  timer.unref();
  return { tick, stop: () => clearInterval(timer) };
}

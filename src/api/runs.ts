// GET /api/runs (README "HTTP API"), independent of the Functions SDK: the backups and restores running
// now or started recently, with their progress (`customStatus`) and results, so the dashboard can show them
// with the function key alone (the durable status API needs the system key in Azure).

/** What the durable client reports of an instance (a subset of DurableOrchestrationStatus). */
export interface InstanceRecord {
  name?: string;
  instanceId?: string;
  runtimeStatus?: string;
  createdTime?: Date | string;
  lastUpdatedTime?: Date | string;
  input?: unknown;
  customStatus?: unknown;
  output?: unknown;
}

export interface RunView {
  instanceId: string;
  name: string;
  runtimeStatus: string;
  createdTime: string;
  lastUpdatedTime: string;
  input: unknown;
  customStatus: unknown;
  output: unknown;
}

/** Runs younger than this are listed (finished ones too, so a result stays visible for a while). */
export const RECENT_MS = 24 * 3600 * 1000;
/** At most this many runs, newest first: the page shows a day of activity, not an archive. */
export const MAX_RUNS = 100;

/** The app's orchestrations (and any later retention one). */
const PROCEDURES = new Set(["backupRun", "backupDisk", "restoreDisk", "retentionRun", "verifyRestorePoint"]);

function iso(value: Date | string | undefined): string {
  if (value === undefined) return "";
  return typeof value === "string" ? value : value.toISOString();
}

/** The app's procedures among the instances, newest first, bounded. Pure. */
export function runsView(records: readonly InstanceRecord[]): { runs: RunView[] } {
  const runs = records
    .filter((r) => r.instanceId && r.name && (PROCEDURES.has(r.name) || r.name.startsWith("retention")))
    .map(
      (r): RunView => ({
        instanceId: r.instanceId ?? "",
        name: r.name ?? "",
        runtimeStatus: r.runtimeStatus ?? "Unknown",
        createdTime: iso(r.createdTime),
        lastUpdatedTime: iso(r.lastUpdatedTime),
        input: r.input ?? null,
        customStatus: r.customStatus ?? null,
        output: r.output ?? null,
      }),
    )
    .sort((a, b) => b.createdTime.localeCompare(a.createdTime) || a.instanceId.localeCompare(b.instanceId))
    .slice(0, MAX_RUNS);
  return { runs };
}

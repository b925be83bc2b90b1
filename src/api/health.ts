// GET /api/health (README "Health and alerts"), independent of the Functions SDK: every disk's freshness
// against the schedule (stale when its newest completed restore point is older than twice the schedule's
// interval, failing when its newest backup attempt failed); 200 when every disk is fresh, else 503.
import type { AppContext } from "../app/context";
import { type ScheduleInterval, scheduleInterval } from "../config/schedule";
import { discoverDisks } from "../disks/discovery";
import type { RestorePoint } from "../lineage/restorePoint";
import { type JsonResponse, json } from "./responses";

export type FreshnessStatus = "fresh" | "stale" | "failing";

/** One disk's freshness; `status` sums it up (failing wins over stale, both are unhealthy). */
export interface DiskFreshness {
  diskId: string;
  sourceUrl: string;
  status: FreshnessStatus;
  /** No completed restore point, or the newest is older than `staleAfterMs`. */
  stale: boolean;
  /** The newest restore point (by start) failed. */
  failing: boolean;
  lastCompleted: { restorePointId: string; completedAt: string; ageMs: number } | null;
  lastFailure: { restorePointId: string; startedAt: string; reason: string | null } | null;
}

export interface HealthReport {
  status: "healthy" | "unhealthy";
  checkedAt: string;
  schedule: ScheduleInterval;
  disks: DiskFreshness[];
  /** The stale or failing disks (empty when healthy). */
  unhealthy: DiskFreshness[];
}

/** Freshness of one disk from its restore points (newest first, any status). Pure. */
export function freshnessOf(
  disk: { diskId: string; sourceUrl: string },
  points: readonly RestorePoint[],
  schedule: ScheduleInterval,
  now: Date,
): DiskFreshness {
  const completed = points.find((p) => p.status === "completed");
  const newest = points[0];
  const ageMs = completed ? now.getTime() - Date.parse(completed.completedAt) : undefined;
  const stale = ageMs === undefined || !(ageMs <= schedule.staleAfterMs);
  const failing = newest?.status === "failed";
  const failure = points.find((p) => p.status === "failed");
  return {
    diskId: disk.diskId,
    sourceUrl: disk.sourceUrl,
    status: failing ? "failing" : stale ? "stale" : "fresh",
    stale,
    failing,
    lastCompleted:
      completed && ageMs !== undefined
        ? { restorePointId: completed.restorePointId, completedAt: completed.completedAt, ageMs }
        : null,
    lastFailure: failure
      ? { restorePointId: failure.restorePointId, startedAt: failure.startedAt, reason: failure.reason }
      : null,
  };
}

/** Every discovered disk's freshness now. */
export async function healthReport(ctx: AppContext, now: Date = new Date()): Promise<HealthReport> {
  const schedule = scheduleInterval(ctx.settings.schedule, now);
  const disks = await discoverDisks(ctx.settings, ctx.storage, ctx.log, ctx.compute);
  const rows = await Promise.all(
    disks.map(async (disk) =>
      freshnessOf(
        { diskId: disk.id, sourceUrl: disk.sourceUrl },
        await ctx.lineage.list(disk.id),
        schedule,
        now,
      ),
    ),
  );
  const unhealthy = rows.filter((d) => d.status !== "fresh");
  return {
    status: unhealthy.length === 0 ? "healthy" : "unhealthy",
    checkedAt: now.toISOString(),
    schedule,
    disks: rows,
    unhealthy,
  };
}

/** 200 when every disk is fresh, 503 otherwise (what uptime monitors look at), with the report. */
export async function healthView(ctx: AppContext, now: Date = new Date()): Promise<JsonResponse> {
  const report = await healthReport(ctx, now);
  return {
    ...json(report.status === "healthy" ? 200 : 503, report),
    headers: { "cache-control": "no-store" },
  };
}

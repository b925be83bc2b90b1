// Choosing the restore point to restore (pure): by id, or the latest completed one at or before an
// instant. A point's instant is the data's time: the timestamp of its source snapshot (the disk as it
// was then), not when the run that copied it started (a run may wait long before it snapshots).
import { fail, ok, type Result } from "../app/result";
import type { RestorePoint } from "../lineage/restorePoint";

/** Why no restore point was selected (the API's 404 codes). */
export interface SelectionFailure {
  code: "RestorePointNotFound" | "RestorePointNotCompleted" | "RestorePointDeleting";
  message: string;
}

export type Selection = Result<RestorePoint, SelectionFailure>;

/** `points` is one disk's lineage (any order, any status). */
export function selectRestorePoint(
  diskId: string,
  points: readonly RestorePoint[],
  by: { restorePointId?: string | undefined; pointInTime?: number | undefined },
): Selection {
  if (by.restorePointId !== undefined) {
    const point = points.find((p) => p.restorePointId === by.restorePointId);
    if (!point) {
      return fail({
        code: "RestorePointNotFound",
        message: `disk ${diskId} has no restore point ${by.restorePointId}`,
      });
    }
    if (point.status === "deleting") {
      return fail({
        code: "RestorePointDeleting",
        message: `restore point ${by.restorePointId} of disk ${diskId} is being deleted by retention; choose another restore point`,
      });
    }
    if (point.status !== "completed") {
      return fail({
        code: "RestorePointNotCompleted",
        message: `restore point ${by.restorePointId} of disk ${diskId} is ${point.status}, not completed${point.reason ? ` (${point.reason})` : ""}`,
      });
    }
    return ok(point);
  }
  const at = by.pointInTime ?? Number.NaN;
  const candidates = points
    .filter((p) => p.status === "completed" && isAtOrBefore(dataTimeOf(p), at))
    .sort((a, b) => compareTimes(dataTimeOf(b), dataTimeOf(a)));
  const point = candidates[0];
  if (!point) {
    return fail({
      code: "RestorePointNotFound",
      message: `disk ${diskId} has no completed restore point at or before ${new Date(at).toISOString()}`,
    });
  }
  return ok(point);
}

/** An instant with the service's 100 ns precision: epoch milliseconds and the digits below them. */
interface DataTime {
  ms: number;
  /** Fraction digits after the milliseconds ("4321" of .7654321), as a zero-padded string. */
  below: string;
}

const SNAPSHOT_TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,3})(\d*))?Z$/;

/**
 * The data's time of a restore point: its source snapshot's timestamp (e.g. 2025-01-02T09:00:05.7654321Z).
 * A row without a readable one (written by hand or by an older version) falls back to its start time.
 */
export function dataTimeOf(point: Pick<RestorePoint, "sourceSnapshot" | "startedAt">): DataTime {
  const m = SNAPSHOT_TIME.exec(point.sourceSnapshot);
  const ms = m ? Date.parse(`${m[1]}.${(m[2] ?? "").padEnd(3, "0")}Z`) : Number.NaN;
  if (m && Number.isFinite(ms)) return { ms, below: (m[3] ?? "").padEnd(7, "0") };
  return { ms: Date.parse(point.startedAt), below: "" };
}

function compareTimes(a: DataTime, b: DataTime): number {
  return a.ms !== b.ms ? a.ms - b.ms : a.below.localeCompare(b.below);
}

/** At or before `at` (epoch ms): a snapshot 0.4 ms after `at` is after it, not rounded down into it. */
function isAtOrBefore(time: DataTime, at: number): boolean {
  return time.ms < at || (time.ms === at && /^0*$/.test(time.below));
}

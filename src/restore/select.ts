// Choosing the restore point to restore (pure): by id, or the latest completed one at or before an
// instant. A point's instant is when its backup started: its source snapshot was taken right then.
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
    .filter((p) => p.status === "completed" && Date.parse(p.startedAt) <= at)
    .sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt));
  const point = candidates[0];
  if (!point) {
    return fail({
      code: "RestorePointNotFound",
      message: `disk ${diskId} has no completed restore point at or before ${new Date(at).toISOString()}`,
    });
  }
  return ok(point);
}

// Choosing the restore point to restore (pure): by id, or the latest completed one at or before an
// instant. A point's instant is when its backup started: its source snapshot was taken right then.
import type { RestorePoint } from "../lineage/restorePoint";

export type Selection =
  | { ok: true; point: RestorePoint }
  | { ok: false; code: "RestorePointNotFound" | "RestorePointNotCompleted"; message: string };

/** `points` is one disk's lineage (any order, any status). */
export function selectRestorePoint(
  diskId: string,
  points: readonly RestorePoint[],
  by: { restorePointId?: string | undefined; pointInTime?: number | undefined },
): Selection {
  if (by.restorePointId !== undefined) {
    const point = points.find((p) => p.restorePointId === by.restorePointId);
    if (!point) {
      return {
        ok: false,
        code: "RestorePointNotFound",
        message: `disk ${diskId} has no restore point ${by.restorePointId}`,
      };
    }
    if (point.status !== "completed") {
      return {
        ok: false,
        code: "RestorePointNotCompleted",
        message: `restore point ${by.restorePointId} of disk ${diskId} is ${point.status}, not completed${point.reason ? ` (${point.reason})` : ""}`,
      };
    }
    return { ok: true, point };
  }
  const at = by.pointInTime ?? Number.NaN;
  const candidates = points
    .filter((p) => p.status === "completed" && Date.parse(p.startedAt) <= at)
    .sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt));
  const point = candidates[0];
  if (!point) {
    return {
      ok: false,
      code: "RestorePointNotFound",
      message: `disk ${diskId} has no completed restore point at or before ${new Date(at).toISOString()}`,
    };
  }
  return { ok: true, point };
}

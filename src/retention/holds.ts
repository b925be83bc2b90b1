// Holds: a held restore point is never deleted by retention, whatever the policy. Setting a hold races
// retention marking the point `deleting`; both write under the row's ETag, so exactly one of them wins.
import type { AppContext } from "../app/context";
import { fail, ok, type Result } from "../app/result";
import type { RestorePoint } from "../lineage/restorePoint";
import { updateRow } from "../lineage/updates";

export interface HoldRefusal {
  status: 404 | 409;
  code: "RestorePointNotFound" | "RestorePointDeleting" | "RestorePointNotCompleted";
  message: string;
}

/** Sets (`hold: true`) or clears a hold; the point as it is afterwards, or why not. */
export async function setHold(
  ctx: AppContext,
  diskId: string,
  restorePointId: string,
  hold: boolean,
): Promise<Result<RestorePoint, HoldRefusal>> {
  type Outcome = Result<RestorePoint, HoldRefusal>;
  const outcome = await updateRow<Outcome>(
    ctx.lineage,
    diskId,
    restorePointId,
    (ref) => {
      const { point } = ref;
      if (hold && point.status === "deleting") {
        return {
          result: fail({
            status: 409,
            code: "RestorePointDeleting",
            message: `restore point ${restorePointId} of disk ${diskId} is being deleted by retention and cannot be held`,
          }),
        };
      }
      if (hold && point.status !== "completed") {
        return {
          result: fail({
            status: 409,
            code: "RestorePointNotCompleted",
            message: `restore point ${restorePointId} of disk ${diskId} is ${point.status}: only completed points can be held`,
          }),
        };
      }
      const after: RestorePoint = { ...point };
      if (hold) after.hold = true;
      else delete after.hold;
      if ((point.hold === true) === hold) return { result: ok(after) };
      return { merge: { hold }, result: ok(after) };
    },
    () =>
      fail({
        status: 404,
        code: "RestorePointNotFound",
        message: `disk ${diskId} has no restore point ${restorePointId}`,
      }),
  );
  if (outcome.ok) ctx.log(`restore point ${diskId}/${restorePointId}: hold ${hold ? "set" : "cleared"}`);
  return outcome;
}

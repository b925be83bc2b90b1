// Admission of a restore request (POST /api/restores): every check that can refuse it runs here, before
// anything is started or written, so a rejected request changes nothing. The resolve step of the
// orchestration runs the same checks again, because time passes between the two.
import type { AppContext } from "../app/context";
import { fail, ok, type Result } from "../app/result";
import type { RestorePoint } from "../lineage/restorePoint";
import { isNotFound } from "../storage/errors";
import { requireBlobUrl } from "../storage/urls";
import { defaultTargetOf } from "./naming";
import { parseRestoreRequest, type RestoreRequest } from "./request";
import { selectRestorePoint } from "./select";
import { inspectTarget, isInside, type TargetState } from "./target";
import type { RestoreInput } from "./types";

export interface AdmissionError {
  status: 400 | 404 | 409;
  code: string;
  message: string;
}

/** An admitted restore: the orchestration's input, the restore point and what the target is now. */
export interface Admitted {
  input: RestoreInput;
  point: RestorePoint;
  target: TargetState;
}

export type Admission = Result<Admitted, AdmissionError>;

const refuse = (status: AdmissionError["status"], code: string, message: string): Admission =>
  fail({ status, code, message });

/** Checks the target against the request; `undefined` when the restore may write it. */
export function targetRefusal(
  targetUrl: string,
  state: TargetState,
  overwrite: boolean,
): Admission | undefined {
  if (state.kind === "noContainer") {
    return refuse(
      404,
      "TargetContainerNotFound",
      `the container of ${targetUrl} does not exist: create it first (a restore never creates containers in source accounts)`,
    );
  }
  if (state.kind === "absent") return undefined;
  if (state.leased) {
    return refuse(
      409,
      "TargetLeased",
      `${targetUrl} has an active lease (a disk attached to a running VM?): detach it or break the lease, then retry`,
    );
  }
  if (!state.pageBlob) return refuse(409, "TargetNotPageBlob", `${targetUrl} exists and is not a page blob`);
  if (!overwrite) {
    return refuse(
      409,
      "TargetExists",
      `${targetUrl} already exists: choose another targetUrl or set "overwrite": true`,
    );
  }
  return undefined;
}

/** The restore point's data must still be there: a backup snapshot deleted outside the app is refused. */
async function backupSnapshotExists(ctx: AppContext, point: RestorePoint): Promise<boolean> {
  try {
    const blob = ctx.storage.pageBlob(requireBlobUrl(point.backupUrl), { snapshot: point.backupSnapshot });
    await blob.getProperties();
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

export async function admitRequest(ctx: AppContext, request: RestoreRequest): Promise<Admission> {
  const points = await ctx.lineage.list(request.diskId);
  if (points.length === 0)
    return refuse(404, "DiskNotFound", `no restore points recorded for disk ${request.diskId}`);
  const selected = selectRestorePoint(request.diskId, points, request);
  if (!selected.ok) {
    const status = selected.error.code === "RestorePointDeleting" ? 409 : 404;
    return refuse(status, selected.error.code, selected.error.message);
  }
  const point = selected.value;
  if (!(await backupSnapshotExists(ctx, point))) {
    return refuse(
      404,
      "RestorePointDataMissing",
      `the backup snapshot of restore point ${point.restorePointId} (${point.backupUrl}, snapshot ${point.backupSnapshot}) no longer exists; choose another restore point`,
    );
  }
  const target = request.targetUrl
    ? requireBlobUrl(request.targetUrl)
    : defaultTargetOf(requireBlobUrl(point.sourceUrl), point.restorePointId);
  if (isInside(target, ctx.settings.target)) {
    return refuse(
      400,
      "TargetInBackupContainer",
      `${target.url} is inside the backup container; restore to a source account`,
    );
  }
  const state = await inspectTarget(ctx.storage, target);
  const refusal = targetRefusal(target.url, state, request.overwrite);
  if (refusal) return refusal;
  return ok({
    input: {
      diskId: request.diskId,
      restorePointId: point.restorePointId,
      targetUrl: target.url,
      overwrite: request.overwrite,
    },
    point,
    target: state,
  });
}

/** Parses and admits a raw request body. */
export async function admitRestore(ctx: AppContext, raw: unknown): Promise<Admission> {
  const parsed = parseRestoreRequest(raw);
  if (!parsed.ok) return refuse(400, "InvalidRequest", parsed.error);
  return admitRequest(ctx, parsed.value);
}

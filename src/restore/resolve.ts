// Step 1 of a restore: admit the request again (state may have changed since the HTTP call), read the
// restore point's size, and fix every id and name the later steps use. Writes nothing.
import { randomBytes } from "node:crypto";
import type { AppContext } from "../app/context";
import { CodedError } from "../app/result";
import { diskIdOf } from "../disks/identity";
import { restorePointIdOf } from "../lineage/restorePoint";
import { requireBlobUrl } from "../storage/urls";
import { admitRequest } from "./admission";
import { promotedBlobOf, restoreLeaseIdOf, safetyBlobOf } from "./naming";
import type { RestoreInput, RestoreRun } from "./types";

/** A restore that must not start: carries the API error code (e.g. TargetExists, TargetLeased). */
export class RestoreRefusedError extends CodedError {
  constructor(code: string, message: string) {
    super(code, `${code}: ${message}`);
    this.name = "RestoreRefusedError";
  }
}

const newId = (at: string) => restorePointIdOf(at, randomBytes(4).toString("hex"));

export async function resolveRestore(
  ctx: AppContext,
  input: RestoreInput,
  runId: string,
): Promise<RestoreRun> {
  const admission = await admitRequest(ctx, { ...input, pointInTime: undefined });
  if (!admission.ok) throw new RestoreRefusedError(admission.error.code, admission.error.message);
  const { point, target: state } = admission.value;
  const backup = requireBlobUrl(point.backupUrl);
  const props = await ctx.storage.pageBlob(backup, { snapshot: point.backupSnapshot }).getProperties();
  const target = requireBlobUrl(admission.value.input.targetUrl);
  const targetDiskId = diskIdOf(target);
  const now = Date.now();
  const targetExisted = state.kind === "exists";
  // The safety point starts first so the restored point is the newest of the target's chain.
  const safetyStartedAt = new Date(now).toISOString();
  const startedAt = new Date(now + (targetExisted ? 1 : 0)).toISOString();
  const newRestorePointId = newId(startedAt);
  const safetyId = targetExisted ? newId(safetyStartedAt) : undefined;
  const run: RestoreRun = {
    ...admission.value.input,
    runId,
    backupUrl: point.backupUrl,
    backupSnapshot: point.backupSnapshot,
    sizeBytes: props.contentLength ?? 0,
    targetDiskId,
    targetExisted,
    newRestorePointId,
    startedAt,
    promotedUrl: promotedBlobOf(ctx.settings.target, target, newRestorePointId).url,
    leaseId: restoreLeaseIdOf(targetDiskId, newRestorePointId),
    safety: safetyId
      ? {
          restorePointId: safetyId,
          startedAt: safetyStartedAt,
          blobUrl: safetyBlobOf(ctx.settings.target, target, safetyId).url,
        }
      : null,
  };
  ctx.log(
    `restore ${run.diskId}/${run.restorePointId} → ${run.targetUrl}${targetExisted ? " (overwrite, safety point first)" : ""}`,
  );
  return run;
}

// Admission of a restore request (POST /api/restores): every check that can refuse it runs here, before
// anything is started or written, so a rejected request changes nothing. The resolve step of the
// orchestration runs the same checks again, because time passes between the two.
import { DISK_BUSY } from "../app/codes";
import type { AppContext } from "../app/context";
import { fail, ok, type Result } from "../app/result";
import { requireComputeId } from "../compute/resourceIds";
import { diskIdOf, managedDiskIdOf } from "../disks/identity";
import { describeHolder } from "../lineage/locks";
import { type RestorePoint, restorePointIdOf } from "../lineage/restorePoint";
import { isNotFound } from "../storage/errors";
import { type BlobLocation, blobNameProblem, requireBlobUrl } from "../storage/urls";
import { existingDiskRefusal, inspectDisk, targetDiskOf, targetGroupOf } from "./diskTarget";
import { defaultTargetOf, promotedBlobOf, safetyBlobOf } from "./naming";
import { parseRestoreRequest, type RestoreRequest } from "./request";
import { selectRestorePoint } from "./select";
import { inspectTarget, type TargetState, targetPlaceRefusal } from "./target";
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
  /** The restore point's backup snapshot's size, as the service reported it while admitting. */
  pointSizeBytes: number;
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

/** A restore point id as long as any the app makes (names derived from it are checked at this length). */
const LONGEST_ID = restorePointIdOf("2000-01-01T00:00:00.000Z", "ffffffff");

/**
 * Checked before any request: the target must be in a place the app may write (never the backup account),
 * and the blobs a restore creates next to the backups must have names the service accepts.
 */
function placeRefusal(ctx: AppContext, target: BlobLocation): Admission | undefined {
  const refusal = targetPlaceRefusal(ctx.settings, target);
  if (refusal) return refuse(400, refusal.code, refusal.message);
  for (const derived of [
    target,
    promotedBlobOf(ctx.settings.target, target, LONGEST_ID),
    safetyBlobOf(ctx.settings.target, target, LONGEST_ID),
  ]) {
    const problem = blobNameProblem(derived.blobName ?? "");
    if (problem !== undefined) {
      return refuse(
        400,
        "InvalidRequest",
        `the restore target ${target.url.slice(0, 200)} cannot be used: ${derived === target ? "its blob name" : `the copy kept in the backup container, "${derived.blobName?.slice(0, 60)}…",`} ${problem}`,
      );
    }
  }
  return undefined;
}

/**
 * The size of the restore point's backup snapshot, or undefined when it no longer exists (the point's data
 * must still be there: a backup snapshot deleted outside the app is refused).
 */
async function backupSnapshotSize(ctx: AppContext, point: RestorePoint): Promise<number | undefined> {
  try {
    const blob = ctx.storage.pageBlob(requireBlobUrl(point.backupUrl), { snapshot: point.backupSnapshot });
    return (await blob.getProperties()).contentLength ?? 0;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

const dataMissing = (point: RestorePoint) =>
  refuse(
    404,
    "RestorePointDataMissing",
    `the backup snapshot of restore point ${point.restorePointId} (${point.backupUrl}, snapshot ${point.backupSnapshot}) no longer exists; choose another restore point`,
  );

/**
 * Every check of a restore request. `lockCheck: false` skips the disk-lock check: the resolve step takes
 * the lock itself (and must not see its own earlier attempt as a conflict).
 */
export async function admitRequest(
  ctx: AppContext,
  request: RestoreRequest,
  options: { lockCheck?: boolean } = {},
): Promise<Admission> {
  // A target given by the caller is checked before anything is read, so no request goes anywhere else.
  const given = request.targetUrl === undefined ? undefined : requireBlobUrl(request.targetUrl);
  const givenRefusal = given && placeRefusal(ctx, given);
  if (givenRefusal) return givenRefusal;
  const givenGroup = request.targetDisk && targetGroupOf(ctx.settings, request.targetDisk.resourceGroup);
  if (givenGroup && !givenGroup.ok) return fail(givenGroup.error);
  // A given blob target is inspected while the lineage is read (both only read; the refusals keep their
  // order below): a round trip less before a restore starts.
  const early = given && !request.targetDisk ? inspectTarget(ctx.storage, given) : undefined;
  early?.catch(() => {});
  const points = await ctx.lineage.list(request.diskId);
  if (points.length === 0)
    return refuse(404, "DiskNotFound", `no restore points recorded for disk ${request.diskId}`);
  const selected = selectRestorePoint(request.diskId, points, request);
  if (!selected.ok) {
    const status = selected.error.code === "RestorePointDeleting" ? 409 : 404;
    return refuse(status, selected.error.code, selected.error.message);
  }
  const point = selected.value;
  if (request.targetDisk || (!given && point.sourceKind === "managedDisk")) {
    const sizeBytes = await backupSnapshotSize(ctx, point);
    if (sizeBytes === undefined) return dataMissing(point);
    return admitDiskTarget(ctx, request, point, sizeBytes, options);
  }
  const target = given ?? defaultTargetOf(requireBlobUrl(point.sourceUrl), point.restorePointId);
  const defaultRefusal = given ? undefined : placeRefusal(ctx, target);
  if (defaultRefusal) return defaultRefusal;
  // Two reads side by side (each is a round trip); a missing snapshot is still the first refusal.
  const [sizeBytes, state] = await Promise.all([
    backupSnapshotSize(ctx, point),
    early ?? inspectTarget(ctx.storage, target),
  ]);
  if (sizeBytes === undefined) return dataMissing(point);
  const refusal = targetRefusal(target.url, state, request.overwrite);
  if (refusal) return refusal;
  const holder = options.lockCheck === false ? undefined : await ctx.locks.holder(diskIdOf(target));
  if (holder) return refuse(409, DISK_BUSY, `${target.url}: ${describeHolder(holder)}`);
  return ok({
    input: {
      diskId: request.diskId,
      restorePointId: point.restorePointId,
      targetUrl: target.url,
      overwrite: request.overwrite,
    },
    point,
    target: state,
    pointSizeBytes: sizeBytes,
  });
}

/** The rest of the admission when the target is a managed disk (created by upload; never overwritten). */
async function admitDiskTarget(
  ctx: AppContext,
  request: RestoreRequest,
  point: RestorePoint,
  sizeBytes: number,
  options: { lockCheck?: boolean },
): Promise<Admission> {
  const spec = targetDiskOf(ctx.settings, point, sizeBytes, request.targetDisk);
  if (!spec.ok) return fail(spec.error);
  const existing = await inspectDisk(ctx, spec.value);
  if (existing) return fail(existingDiskRefusal(existing, request.overwrite));
  const diskId = managedDiskIdOf(requireComputeId(spec.value.id));
  const holder = options.lockCheck === false ? undefined : await ctx.locks.holder(diskId);
  if (holder) return refuse(409, DISK_BUSY, `${spec.value.id}: ${describeHolder(holder)}`);
  return ok({
    input: {
      diskId: request.diskId,
      restorePointId: point.restorePointId,
      targetUrl: spec.value.id,
      overwrite: request.overwrite,
      targetDisk: spec.value,
    },
    point,
    target: { kind: "absent" },
    pointSizeBytes: sizeBytes,
  });
}

/** Parses and admits a raw request body. */
export async function admitRestore(ctx: AppContext, raw: unknown): Promise<Admission> {
  const parsed = parseRestoreRequest(raw);
  if (!parsed.ok) return refuse(400, "InvalidRequest", parsed.error);
  return admitRequest(ctx, parsed.value);
}

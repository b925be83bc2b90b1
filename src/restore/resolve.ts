// Step 1 of a restore: admit the request again (state may have changed since the HTTP call), read the
// restore point's size, fix every id and name the later steps use, and take the target disk's lock (the
// only write: a backup of the disk and this restore never run at once). Re-runnable: the ids come from
// the orchestration, so a retry presents the same lock owner.
import { randomBytes } from "node:crypto";
import { DISK_BUSY } from "../app/codes";
import type { AppContext } from "../app/context";
import { CodedError } from "../app/result";
import { type ComputeRef, requireComputeId } from "../compute/resourceIds";
import { diskIdOf, managedDiskIdOf } from "../disks/identity";
import { describeHolder } from "../lineage/locks";
import { restorePointIdOf } from "../lineage/restorePoint";
import { requireBlobUrl } from "../storage/urls";
import { admitRequest } from "./admission";
import { heldChainOf, revertsByDiff } from "./chain";
import { requestOf } from "./diskTarget";
import {
  chainLeaseIdOf,
  lockOwnerOfRestore,
  promotedBlobOf,
  promotedDiskBlobOf,
  restoreLeaseIdOf,
  safetyBlobOf,
} from "./naming";
import type { HeldChain, RestoreInput, RestoreRun } from "./types";

/** A restore that must not start: carries the API error code (e.g. TargetExists, TargetLeased). */
export class RestoreRefusedError extends CodedError {
  constructor(code: string, message: string) {
    super(code, `${code}: ${message}`);
    this.name = "RestoreRefusedError";
  }
}

/** Where a restore's ids come from: the orchestration's clock and a deterministic guid (tests: now). */
export interface RestoreIdentity {
  startedAt: string;
  /** Hex (a guid): the first 8 digits name the new restore point, the next 8 the safety point. */
  nonce: string;
}

export function newRestoreIdentity(): RestoreIdentity {
  return { startedAt: new Date().toISOString(), nonce: randomBytes(8).toString("hex") };
}

export async function resolveRestore(
  ctx: AppContext,
  input: RestoreInput,
  runId: string,
  identity: RestoreIdentity = newRestoreIdentity(),
): Promise<RestoreRun> {
  const { targetDisk, ...rest } = input;
  const request = targetDisk
    ? { ...rest, targetUrl: undefined, targetDisk: requestOf(targetDisk), pointInTime: undefined }
    : { ...rest, pointInTime: undefined };
  const admission = await admitRequest(ctx, request, { lockCheck: false });
  if (!admission.ok) throw new RestoreRefusedError(admission.error.code, admission.error.message);
  const { point, target: state, pointSizeBytes } = admission.value;
  const diskTarget = admission.value.input.targetDisk;
  const target = diskTarget ? undefined : requireBlobUrl(admission.value.input.targetUrl);
  const targetRef = diskTarget ? requireComputeId(diskTarget.id) : undefined;
  const targetDiskId = target ? diskIdOf(target) : managedDiskIdOf(targetRef as ComputeRef);
  const now = Date.parse(identity.startedAt);
  const hex = identity.nonce.replace(/[^0-9a-f]/gi, "");
  const targetExisted = state.kind === "exists";
  // The safety point starts first so the restored point is the newest of the target's chain.
  const safetyStartedAt = new Date(now).toISOString();
  const startedAt = new Date(now + (targetExisted ? 1 : 0)).toISOString();
  const newRestorePointId = restorePointIdOf(startedAt, hex.slice(0, 8));
  const safetyId = targetExisted ? restorePointIdOf(safetyStartedAt, hex.slice(8, 16)) : undefined;
  const owner = lockOwnerOfRestore({ newRestorePointId, runId });
  // The target's newest point is read beside the lock: a backup that completed a newer one in between
  // left a stamp that no longer matches it, and the chain is then not held (checked under the lock).
  const [taken, newest] = await Promise.all([
    ctx.locks.acquire(targetDiskId, owner, ctx.tuning.lockTtlMs),
    targetExisted && target ? ctx.lineage.latestCompleted(targetDiskId) : undefined,
  ]);
  if (!taken.ok)
    throw new RestoreRefusedError(
      DISK_BUSY,
      `${admission.value.input.targetUrl}: ${describeHolder(taken.error)}`,
    );
  // Under the lock (no backup of the target runs now): an overwritten disk whose chain this app holds
  // keeps it, with an incremental safety point, and a point of that same chain is restored by diff.
  const latest = target ? await heldChainOf(ctx, newest, target) : undefined;
  const chain: HeldChain | null = latest
    ? {
        backupUrl: latest.backupUrl,
        restorePointId: latest.restorePointId,
        sourceSnapshot: latest.sourceSnapshot,
        leaseId: chainLeaseIdOf(targetDiskId, newRestorePointId),
      }
    : null;
  const targetSize = state.kind === "exists" ? state.sizeBytes : 0;
  const run: RestoreRun = {
    ...admission.value.input,
    runId,
    backupUrl: point.backupUrl,
    backupSnapshot: point.backupSnapshot,
    sizeBytes: pointSizeBytes,
    targetDiskId,
    targetExisted,
    newRestorePointId,
    startedAt,
    promotedUrl: (target
      ? promotedBlobOf(ctx.settings.target, target, newRestorePointId)
      : promotedDiskBlobOf(ctx.settings.target, targetRef as ComputeRef, newRestorePointId)
    ).url,
    leaseId: restoreLeaseIdOf(targetDiskId, newRestorePointId),
    safety:
      safetyId && target
        ? {
            restorePointId: safetyId,
            startedAt: safetyStartedAt,
            blobUrl: chain?.backupUrl ?? safetyBlobOf(ctx.settings.target, target, safetyId).url,
          }
        : null,
    chain,
    revert: latest !== undefined && revertsByDiff(point, latest, targetSize),
  };
  const how = run.revert ? ", by diff" : "";
  ctx.log(
    `restore ${run.diskId}/${run.restorePointId} → ${run.targetUrl}${targetExisted ? ` (overwrite, safety point first${how})` : ""}`,
  );
  return run;
}

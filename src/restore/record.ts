// The lineage rows a restore writes: the safety restore point of an overwritten target, the first
// restore point of the new disk's chain (kind `restored`), or the failure of a restore.
import { VERIFICATION_FAILED } from "../app/codes";
import type { AppContext } from "../app/context";
import type { Failure } from "../app/result";
import type { RestorePoint } from "../lineage/restorePoint";
import { writeStamp, writeStampUnderLease } from "../lineage/stamp";
import { requireBlobUrl } from "../storage/urls";
import type { RestoreRun, SafetyRecordInput, Verification } from "./types";

/** Extra columns on restore rows (the contract fields stay as docs/architecture.md names them). */
export type RestoreRow = RestorePoint & { restoredFromDiskId: string; verification: string };

/**
 * The safety point is an ordinary restore point of the target: a full copy into its own blob, or, when the
 * target's chain is held, an incremental of that chain (its backup blob, parent the chain's newest point).
 */
export function safetyPointOf(input: SafetyRecordInput): RestorePoint {
  const { run, targetSnapshot, safetySnapshot, copied } = input;
  if (!run.safety) throw new Error("this restore overwrites nothing: there is no safety point");
  const incremental = run.chain !== null && copied.kind === "incremental";
  return {
    restorePointId: run.safety.restorePointId,
    diskId: run.targetDiskId,
    sourceUrl: run.targetUrl,
    sourceSnapshot: targetSnapshot,
    backupUrl: run.safety.blobUrl,
    backupSnapshot: safetySnapshot,
    parentRestorePointId: incremental ? (run.chain?.restorePointId ?? null) : null,
    kind: incremental ? "incremental" : "full",
    diskSizeBytes: copied.sizeBytes,
    changedBytes: copied.writeBytes,
    clearedBytes: copied.clearBytes,
    rangeCount: copied.rangeCount,
    startedAt: run.safety.startedAt,
    completedAt: new Date().toISOString(),
    runId: run.runId,
    status: "completed",
    reason: `safety snapshot of ${run.targetUrl} taken before restore ${run.newRestorePointId} overwrote it`,
  };
}

export async function recordSafety(ctx: AppContext, input: SafetyRecordInput): Promise<RestorePoint> {
  const point = safetyPointOf(input);
  // The safety blob holds the safety point: a backup of the target continuing from it may go incremental.
  const blob = ctx.storage.pageBlob(requireBlobUrl(point.backupUrl));
  const leaseId = input.run.chain?.leaseId;
  // The stamp and the row are written side by side: a step stopped between them is run again, and until
  // both are written a backup of the target finds them disagree and starts a new chain (never a wrong one).
  const stamp = { holds: point.restorePointId, writing: undefined };
  await Promise.all([
    leaseId
      ? writeStampUnderLease(blob, stamp, { leaseId, seconds: ctx.tuning.leaseSeconds })
      : writeStamp(blob, stamp),
    ctx.lineage.upsert(point),
  ]);
  ctx.log(`restore ${input.run.targetDiskId}: safety restore point ${point.restorePointId}`);
  return point;
}

export interface RestoredPointFacts {
  targetSnapshot: string;
  /** The new chain's backup blob: the promoted blob, or (revert) the chain's own. */
  backupUrl: string;
  promotedSnapshot: string;
  sizeBytes: number;
  writeBytes: number;
  clearBytes: number;
  rangeCount: number;
}

export function restoredPointOf(
  run: RestoreRun,
  facts: RestoredPointFacts,
  verification: Verification,
): RestoreRow {
  return {
    restorePointId: run.newRestorePointId,
    diskId: run.targetDiskId,
    sourceUrl: run.targetUrl,
    sourceSnapshot: facts.targetSnapshot,
    backupUrl: facts.backupUrl,
    backupSnapshot: facts.promotedSnapshot,
    parentRestorePointId: run.restorePointId,
    kind: "restored",
    diskSizeBytes: facts.sizeBytes,
    changedBytes: facts.writeBytes,
    clearedBytes: facts.clearBytes,
    rangeCount: facts.rangeCount,
    startedAt: run.startedAt,
    completedAt: new Date().toISOString(),
    runId: run.runId,
    status: "completed",
    reason: `restored from ${run.diskId} restore point ${run.restorePointId}; verified ${verification.bytesCompared} bytes (${verification.digest.slice(0, 16)})`,
    restoredFromDiskId: run.diskId,
    verification: JSON.stringify(verification),
  };
}

export function failedPointOf(run: RestoreRun, failure: Failure, reason: string): RestoreRow {
  return {
    restorePointId: run.newRestorePointId,
    diskId: run.targetDiskId,
    sourceUrl: run.targetUrl,
    sourceSnapshot: "",
    backupUrl: run.promotedUrl,
    backupSnapshot: "",
    parentRestorePointId: run.restorePointId,
    kind: "restored",
    diskSizeBytes: run.sizeBytes,
    changedBytes: 0,
    clearedBytes: 0,
    rangeCount: 0,
    startedAt: run.startedAt,
    completedAt: new Date().toISOString(),
    runId: run.runId,
    status: "failed",
    reason,
    restoredFromDiskId: run.diskId,
    verification:
      failure.code === VERIFICATION_FAILED
        ? JSON.stringify({ verified: false, reason: failure.message })
        : "",
  };
}

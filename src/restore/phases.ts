// The copy phases of a restore, as plain data (pure): what is copied from where to where. Shared by the
// orchestration and the in-process runner so both take exactly the same steps.
import type { SnapshotInput } from "./snapshot";
import type { CopyPhase, RestoreRun } from "./types";

export function safetyCopyOf(run: RestoreRun, targetSnapshot: string): CopyPhase {
  if (!run.safety) throw new Error("no safety point in this restore");
  return {
    phase: "safety",
    run,
    sourceUrl: run.targetUrl,
    sourceSnapshot: targetSnapshot,
    destinationUrl: run.safety.blobUrl,
  };
}

export function promoteCopyOf(run: RestoreRun): CopyPhase {
  return {
    phase: "promote",
    run,
    sourceUrl: run.backupUrl,
    sourceSnapshot: run.backupSnapshot,
    destinationUrl: run.promotedUrl,
  };
}

export function restoreCopyOf(run: RestoreRun, promotedSnapshot: string): CopyPhase {
  return {
    phase: "restore",
    run,
    sourceUrl: run.promotedUrl,
    sourceSnapshot: promotedSnapshot,
    destinationUrl: run.targetUrl,
  };
}

/** The target's snapshot before it is overwritten (the safety point's source snapshot). */
export function targetSafetySnapshotOf(run: RestoreRun): SnapshotInput {
  return {
    blobUrl: run.targetUrl,
    diskId: run.targetDiskId,
    restorePointId: run.safety?.restorePointId ?? "",
  };
}

export function safetyBlobSnapshotOf(run: RestoreRun): SnapshotInput {
  return {
    blobUrl: run.safety?.blobUrl ?? "",
    diskId: run.targetDiskId,
    restorePointId: run.safety?.restorePointId ?? "",
  };
}

export function promotedSnapshotOf(run: RestoreRun): SnapshotInput {
  return { blobUrl: run.promotedUrl, diskId: run.targetDiskId, restorePointId: run.newRestorePointId };
}

/** Verification parts: the layout (sizes, one-sided ranges), then every batch of the restore copy. */
export function verifyPartsOf(batches: number): Array<number | "layout"> {
  return ["layout", ...Array.from({ length: batches }, (_, i) => i)];
}

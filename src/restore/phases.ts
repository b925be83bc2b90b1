// The copy phases of a restore, as plain data (pure): what is copied from where to where, and how the
// batches and verification parts are grouped into the orchestration's windows.
import type { CopyPhase, RestoreRun, SnapshotInput } from "./types";

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

/**
 * The target copy reads the backup snapshot itself: the promoted blob receives exactly those bytes, so
 * the two copies do not depend on each other and run at the same time.
 */
export function restoreCopyOf(run: RestoreRun): CopyPhase {
  return {
    phase: "restore",
    run,
    sourceUrl: run.backupUrl,
    sourceSnapshot: run.backupSnapshot,
    destinationUrl: run.targetUrl,
  };
}

/** The promote and restore copies together (their batches share the fan-out windows). */
export function restoreCopiesOf(run: RestoreRun): { promote: CopyPhase; restore: CopyPhase } {
  return { promote: promoteCopyOf(run), restore: restoreCopyOf(run) };
}

/**
 * The batches of both copies, window by window: each window holds up to `window` batches of each copy,
 * so both destinations are written at once while the number of requests in flight stays bounded.
 */
export function pairedWindowsOf<T>(
  copies: Array<{ copy: T; batches: number }>,
  window: number,
): Array<Array<{ copy: T; batch: number }>> {
  const size = Math.max(1, window);
  const longest = Math.max(0, ...copies.map((c) => c.batches));
  const windows: Array<Array<{ copy: T; batch: number }>> = [];
  for (let first = 0; first < longest; first += size) {
    const slot: Array<{ copy: T; batch: number }> = [];
    for (const c of copies)
      for (let batch = first; batch < Math.min(first + size, c.batches); batch++)
        slot.push({ copy: c.copy, batch });
    windows.push(slot);
  }
  return windows;
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

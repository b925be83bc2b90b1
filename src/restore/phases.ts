// The copy phases of a restore, as plain data (pure): what is copied from where to where, and how the
// batches and verification parts are grouped into the orchestration's windows.

import { inlineBatchesIn, mergedBatch, type StoredBatch } from "../copy/runStore";
import { TAG_SOURCE_SNAPSHOT } from "../storage/tags";
import type {
  CopyPhase,
  PreparedCopy,
  RestoreMode,
  RestoreRun,
  SnapshotInput,
  VerifyPartInput,
} from "./types";

/** The target's snapshot copied into the backup account: in full, or as an increment of its held chain. */
export function safetyCopyOf(run: RestoreRun, targetSnapshot: string): CopyPhase {
  if (!run.safety) throw new Error("no safety point in this restore");
  return {
    phase: "safety",
    run,
    sourceUrl: run.targetUrl,
    sourceSnapshot: targetSnapshot,
    destinationUrl: run.safety.blobUrl,
    againstSnapshot: run.chain?.sourceSnapshot,
  };
}

/** The target copy: the restore point copied server side into the disk, first and alone. */
export function restoreCopyOf(run: RestoreRun): CopyPhase {
  return {
    phase: "restore",
    run,
    sourceUrl: run.backupUrl,
    sourceSnapshot: run.backupSnapshot,
    destinationUrl: run.targetUrl,
  };
}

/** A managed disk's promoted blob: copied server side from the restore point, beside the upload. */
export function promoteCopyOf(run: RestoreRun): CopyPhase {
  return { ...restoreCopyOf(run), phase: "promote", destinationUrl: run.promotedUrl };
}

/** The revert copy: only the ranges where the safety point and the restore point differ. */
export function revertCopyOf(run: RestoreRun, safetySnapshot: string): CopyPhase {
  return { ...restoreCopyOf(run), phase: "revert", againstSnapshot: safetySnapshot };
}

/** The copies as pairedWindowsOf takes them: each with its prepared batch count and inline ranges. */
export function preparedBatchesOf<T>(
  copies: readonly T[],
  prepared: ReadonlyArray<Pick<PreparedCopy, "batchBytes" | "inlineBatches" | "inlineBatch">>,
): Array<{ copy: T; batches: number; ranges?: StoredBatch[] | undefined }> {
  return copies.map((copy, i) => {
    const p = prepared[i];
    return { copy, batches: p?.batchBytes.length ?? 0, ranges: p ? inlineBatchesIn(p) : undefined };
  });
}

/**
 * The batches of both copies, window by window: each window holds up to `window` batches of each copy,
 * so both destinations are written at once while the number of requests in flight stays bounded.
 */
export function pairedWindowsOf<T>(
  copies: Array<{ copy: T; batches: number; ranges?: StoredBatch[] | undefined }>,
  window: number,
): Array<Array<{ copy: T; batch: number; ranges?: StoredBatch }>> {
  const size = Math.max(1, window);
  const longest = Math.max(0, ...copies.map((c) => c.batches));
  const windows: Array<Array<{ copy: T; batch: number; ranges?: StoredBatch }>> = [];
  for (let first = 0; first < longest; first += size) {
    const slot: Array<{ copy: T; batch: number; ranges?: StoredBatch }> = [];
    for (const c of copies)
      for (let batch = first; batch < Math.min(first + size, c.batches); batch++) {
        const ranges = c.ranges?.[batch];
        slot.push({ copy: c.copy, batch, ...(ranges ? { ranges } : {}) });
      }
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

/** The safety point's backup snapshot (in a held chain it names its source snapshot, as a backup's does). */
export function safetyBlobSnapshotOf(run: RestoreRun, targetSnapshot: string): SnapshotInput {
  return {
    blobUrl: run.safety?.blobUrl ?? "",
    diskId: run.targetDiskId,
    restorePointId: run.safety?.restorePointId ?? "",
    ...(run.chain ? { metadata: { [TAG_SOURCE_SNAPSHOT]: targetSnapshot } } : {}),
  };
}

export function promotedSnapshotOf(run: RestoreRun): SnapshotInput {
  return { blobUrl: run.promotedUrl, diskId: run.targetDiskId, restorePointId: run.newRestorePointId };
}

/** Verification parts: the layout (sizes, one-sided ranges), then every batch of the restore copy. */
export function verifyPartsOf(batches: number): Array<number | "layout"> {
  return ["layout", ...Array.from({ length: batches }, (_, i) => i)];
}

/**
 * The verification parts' windows: the layout part rides beside the first window of batches instead of
 * taking a batch's place (it is a few small requests), so `window` batches are verified at a time from
 * the first window on, and a restore of `window` batches verifies in one window.
 */
export function verifyWindowsOf<T extends { part: number | "layout" }>(inputs: T[], window: number): T[][] {
  const size = Math.max(1, Math.floor(window));
  const layout = inputs.filter((i) => i.part === "layout");
  const batches = inputs.filter((i) => i.part !== "layout");
  const windows: T[][] = [];
  for (let first = 0; first < batches.length; first += size) windows.push(batches.slice(first, first + size));
  if (windows.length === 0) return layout.length > 0 ? [layout] : [];
  windows[0] = [...layout, ...(windows[0] ?? [])];
  return windows;
}

/**
 * The verification steps' inputs (a revert's layout compares the disk with its safety snapshot). `digests`:
 * what each inline relay batch read, by batch (its part compares the disk with them, not with the run store).
 */
export function verifyInputsOf(
  run: RestoreRun,
  mode: RestoreMode,
  copied: Pick<PreparedCopy, "batchBytes" | "inlineBatches" | "inlineBatch"> & {
    digests?: ReadonlyMap<number, string[]> | undefined;
  },
  beforeSnapshot: string | undefined,
): VerifyPartInput[] {
  const batches = copied.batchBytes.length;
  const inline = inlineBatchesIn(copied);
  return verifyPartsOf(batches).map((part) => {
    if (part !== "layout") {
      const ranges = inline?.[part];
      const digests = ranges ? copied.digests?.get(part) : undefined;
      return { run, mode, part, ...(ranges ? { ranges } : {}), ...(digests ? { digests } : {}) };
    }
    // A revert's layout reads every range it touched; a full restore's compares sizes and what lies outside.
    if (mode !== "revert") return { run, mode, part };
    return { run, mode, part, beforeSnapshot, batches, ...(inline ? { ranges: mergedBatch(inline) } : {}) };
  });
}

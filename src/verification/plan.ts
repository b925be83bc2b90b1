// Step 1 of a verification: find the restore point and both snapshots, list what either snapshot has
// allocated, choose the window (rotation.ts) and store its chunk spans as parts in the run store, so the
// orchestration passes only part numbers.

import type { PageBlobClient } from "@azure/storage-blob";
import type { AppContext } from "../app/context";
import { listRanges, type RangeListing } from "../copy/diff";
import { MAX_INLINE_RANGES, saveBatches } from "../copy/runStore";
import { rowKeyOf } from "../lineage/restorePoint";
import { batchRanges, clipRanges, coalesce, totalBytes } from "../ranges";
import { isNotFound } from "../storage/errors";
import { requireBlobUrl } from "../storage/urls";
import { isManagedPoint, openManagedSource } from "./managedSource";
import { chooseWindow, stateBefore } from "./rotation";
import type { PlanOutcome, VerifyInput, VerifyPlan } from "./types";

/** Run-store key of a verification's parts (under `_runs/<diskId>/`). */
export function verifyRunKey(input: Pick<VerifyInput, "restorePointId" | "mode">): string {
  return `${input.restorePointId}.verify-${input.mode}`;
}

/** A snapshot's allocated ranges and size in one listing; undefined when it is gone. */
async function listSnapshot(ctx: AppContext, blob: PageBlobClient): Promise<RangeListing | undefined> {
  try {
    return await listRanges({ blob, segmentBytes: ctx.tuning.segmentBytes });
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** A managed disk's snapshot, through its SAS: its size asked for first (a bounded range, as before). */
async function listManagedSnapshot(ctx: AppContext, blob: PageBlobClient): Promise<RangeListing> {
  const sizeBytes = (await blob.getProperties()).contentLength ?? 0;
  return listRanges({ blob, sizeBytes, segmentBytes: ctx.tuning.segmentBytes });
}

export async function planVerification(ctx: AppContext, input: VerifyInput): Promise<PlanOutcome> {
  if (input.mode === "rolling" && ctx.settings.verifyPercent === 0) {
    return { skipped: "rolling verification is off (VERIFY_PERCENT=0)" };
  }
  const points = await ctx.lineage.list(input.diskId);
  const point = points.find((p) => p.restorePointId === input.restorePointId);
  if (point?.status !== "completed") {
    return { skipped: `restore point ${input.restorePointId} is ${point?.status ?? "not recorded"}` };
  }
  // A managed disk's source snapshot is read through a SAS granted for this verification.
  const managed = isManagedPoint(point)
    ? await openManagedSource(ctx, point, verifyRunKey(input))
    : undefined;
  // A page blob snapshot's size comes with its listing (no request for it first).
  const [backup, source] = await Promise.all([
    listSnapshot(
      ctx,
      ctx.storage.pageBlob(requireBlobUrl(point.backupUrl), {
        snapshot: point.backupSnapshot,
        retry: "none",
      }),
    ),
    managed
      ? listManagedSnapshot(ctx, managed)
      : listSnapshot(
          ctx,
          ctx.storage.pageBlob(requireBlobUrl(point.sourceUrl), {
            snapshot: point.sourceSnapshot,
            retry: "none",
          }),
        ),
  ]);
  if (backup === undefined) return { skipped: `backup snapshot ${point.backupSnapshot} no longer exists` };
  if (source === undefined) {
    return {
      skipped: `source snapshot ${point.sourceSnapshot} no longer exists (a newer backup replaced it)`,
    };
  }
  const sizeBytes = Math.min(backup.sizeBytes, source.sizeBytes);
  const layoutMismatch =
    backup.sizeBytes === source.sizeBytes
      ? null
      : `the backup snapshot has ${backup.sizeBytes} bytes, the source snapshot ${source.sizeBytes}`;
  const percent = input.mode === "full" ? 100 : ctx.settings.verifyPercent;
  const chunkBytes = ctx.tuning.verifyChunkBytes;
  const choice = chooseWindow({
    allocated: clipRanges(coalesce([...backup.changed, ...source.changed]), sizeBytes),
    sizeBytes,
    state: stateBefore(points, point),
    percent,
    chunkBytes,
    full: input.mode === "full",
  });
  const parts = batchRanges(choice.spans, {
    maxBatches: ctx.tuning.maxBatches,
    minBatchBytes: ctx.tuning.minBatchBytes,
  });
  // A window of one small part (or none) travels in the plan (the history) instead of the run store, as a
  // small copy's batches do: three requests fewer, and the plan step compares and records it too (step.ts).
  const inline = parts.length <= 1 && (parts[0]?.length ?? 0) <= MAX_INLINE_RANGES;
  if (!inline) {
    const container = ctx.storage.container(requireBlobUrl(point.backupUrl));
    await saveBatches(
      container,
      input.diskId,
      verifyRunKey(input),
      parts.map((spans) => ({ writes: spans, clears: [] })),
    );
  }
  const plan: VerifyPlan = {
    ...input,
    backupUrl: point.backupUrl,
    backupSnapshot: point.backupSnapshot,
    sourceUrl: point.sourceUrl,
    sourceSnapshot: point.sourceSnapshot,
    sizeBytes,
    percent,
    chunkBytes,
    pass: choice.pass,
    from: choice.from,
    to: choice.to,
    allocatedBytes: choice.allocatedBytes,
    windowBytes: choice.windowBytes,
    compareBytes: totalBytes(choice.spans),
    chunks: choice.chunks,
    coverage: choice.coverage,
    passComplete: choice.passComplete,
    next: choice.next,
    parts: parts.length,
    ...(inline ? { spans: (parts[0] ?? []).map((r): [number, number] => [r.offset, r.length]) } : {}),
    window: ctx.tuning.batchWindow,
    layoutMismatch,
    ...(isManagedPoint(point) ? { snapshotResourceId: point.snapshotResourceId } : {}),
    rowKey: rowKeyOf(point),
  };
  return { plan };
}

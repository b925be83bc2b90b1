// Step 1 of a verification: find the restore point and both snapshots, list what either snapshot has
// allocated, choose the window (rotation.ts) and store its chunk spans as parts in the run store, so the
// orchestration passes only part numbers.
import type { AppContext } from "../app/context";
import { listRanges } from "../copy/diff";
import { saveBatches } from "../copy/runStore";
import { batchRanges, coalesce, totalBytes } from "../ranges";
import { isNotFound } from "../storage/errors";
import { requireBlobUrl } from "../storage/urls";
import { isManagedPoint, openManagedSource } from "./managedSource";
import { chooseWindow, stateBefore } from "./rotation";
import type { PlanOutcome, VerifyInput, VerifyPlan } from "./types";

/**
 * A window of one part with at most this many chunk spans travels in the plan (the orchestration's
 * history) instead of the run store: bounded (16 bytes of offsets per span), and three requests fewer.
 */
export const MAX_INLINE_SPANS = 64;

/** Run-store key of a verification's parts (under `_runs/<diskId>/`). */
export function verifyRunKey(input: Pick<VerifyInput, "restorePointId" | "mode">): string {
  return `${input.restorePointId}.verify-${input.mode}`;
}

async function sizeOf(ctx: AppContext, url: string, snapshot: string): Promise<number | undefined> {
  try {
    const props = await ctx.storage.pageBlob(requireBlobUrl(url), { snapshot }).getProperties();
    return props.contentLength ?? 0;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
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
  const sourceBlob = (retry: "sdk" | "none") =>
    managed ??
    ctx.storage.pageBlob(requireBlobUrl(point.sourceUrl), { snapshot: point.sourceSnapshot, retry });
  const [backupSize, sourceSize] = await Promise.all([
    sizeOf(ctx, point.backupUrl, point.backupSnapshot),
    isManagedPoint(point)
      ? managed?.getProperties().then((p) => p.contentLength ?? 0)
      : sizeOf(ctx, point.sourceUrl, point.sourceSnapshot),
  ]);
  if (backupSize === undefined)
    return { skipped: `backup snapshot ${point.backupSnapshot} no longer exists` };
  if (sourceSize === undefined) {
    return {
      skipped: `source snapshot ${point.sourceSnapshot} no longer exists (a newer backup replaced it)`,
    };
  }
  const sizeBytes = Math.min(backupSize, sourceSize);
  const layoutMismatch =
    backupSize === sourceSize
      ? null
      : `the backup snapshot has ${backupSize} bytes, the source snapshot ${sourceSize}`;
  const list = (url: string, snapshot: string) =>
    listRanges({
      blob: ctx.storage.pageBlob(requireBlobUrl(url), { snapshot, retry: "none" }),
      sizeBytes,
      segmentBytes: ctx.tuning.segmentBytes,
    });
  const [backup, source] = await Promise.all([
    list(point.backupUrl, point.backupSnapshot),
    listRanges({ blob: sourceBlob("none"), sizeBytes, segmentBytes: ctx.tuning.segmentBytes }),
  ]);
  const percent = input.mode === "full" ? 100 : ctx.settings.verifyPercent;
  const chunkBytes = ctx.tuning.verifyChunkBytes;
  const choice = chooseWindow({
    allocated: coalesce([...backup.changed, ...source.changed]),
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
  const inline = parts.length === 1 && (parts[0]?.length ?? 0) <= MAX_INLINE_SPANS;
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
  };
  return { plan };
}

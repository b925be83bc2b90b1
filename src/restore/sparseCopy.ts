// One sparse copy of a restore (safety, promote or restore phase): make the destination page blob ready
// (create it, or resize and clear what the source does not have), list the source's allocated ranges,
// store them as bounded batches, then copy batch by batch with the copy engine (Put Page From URL).
import type { AppContext } from "../app/context";
import { type BatchResult, copyBatchUnderLease, toBatchDocs } from "../copy/batches";
import { listRanges } from "../copy/diff";
import { saveBatches } from "../copy/runStore";
import { keepLock } from "../lineage/locks";
import { type ByteRange, subtractRanges, totalBytes } from "../ranges";
import { statusOf } from "../storage/errors";
import { holdLease } from "../storage/lease";
import { type BlobLocation, requireBlobUrl } from "../storage/urls";
import { markUnfinished } from "./mark";
import { lockOwnerOfRestore, runKeyOf, TAG_RESTORE_RUN } from "./naming";
import type { CopyBatchInput, CopyPhase, PreparedCopy } from "./types";

/** The target is the only destination in a source account, and the only one that may already exist. */
function leaseOf(copy: CopyPhase): string | undefined {
  return copy.phase === "restore" ? copy.run.leaseId : undefined;
}

/** Creates the destination; false when it exists and this run may write it (its own, or an overwrite). */
async function ensureDestination(ctx: AppContext, copy: CopyPhase, sizeBytes: number): Promise<boolean> {
  const blob = ctx.storage.pageBlob(requireBlobUrl(copy.destinationUrl));
  try {
    await blob.create(sizeBytes, {
      metadata: { [TAG_RESTORE_RUN]: copy.run.newRestorePointId },
      conditions: { ifNoneMatch: "*" },
    });
    return true;
  } catch (error) {
    if (statusOf(error) !== 409 && statusOf(error) !== 412) throw error;
  }
  const props = await blob.getProperties();
  const own = props.metadata?.[TAG_RESTORE_RUN] === copy.run.newRestorePointId;
  const overwrite = copy.phase === "restore" && copy.run.overwrite && copy.run.targetExisted;
  if (!own && !overwrite) {
    throw new Error(
      `${copy.destinationUrl} was created by someone else while the restore ran; nothing was overwritten`,
    );
  }
  return false;
}

/** The run-store location of a phase's batches (the backup container; never a source account). */
export function runStoreOf(ctx: AppContext, copy: Pick<CopyPhase, "phase" | "run">) {
  return {
    container: ctx.storage.container(ctx.settings.target),
    diskId: copy.run.targetDiskId,
    key: runKeyOf(copy.run.newRestorePointId, copy.phase),
  };
}

export async function prepareCopy(ctx: AppContext, copy: CopyPhase): Promise<PreparedCopy> {
  const source = requireBlobUrl(copy.sourceUrl);
  const destination: BlobLocation = requireBlobUrl(copy.destinationUrl);
  const snapshot = ctx.storage.pageBlob(source, { snapshot: copy.sourceSnapshot, retry: "none" });
  const sizeBytes =
    (await ctx.storage.pageBlob(source, { snapshot: copy.sourceSnapshot }).getProperties()).contentLength ??
    0;
  const fresh = await ensureDestination(ctx, copy, sizeBytes);
  const blob = ctx.storage.pageBlob(destination);
  const leaseId = leaseOf(copy);
  if (leaseId) await holdLease(blob, leaseId, ctx.tuning.leaseSeconds);
  // The target is marked before its first byte changes (an overwritten one too), so it is never backed up
  // half-written.
  if (leaseId) await markUnfinished(blob, copy.run.newRestorePointId, leaseId);
  const conditions = leaseId ? { leaseId } : undefined;
  const segmentBytes = ctx.tuning.segmentBytes;
  const allocated = await listRanges({ blob: snapshot, sizeBytes, segmentBytes });
  let clears: ByteRange[] = [];
  if (!fresh) {
    if ((await blob.getProperties()).contentLength !== sizeBytes)
      await blob.resize(sizeBytes, { conditions });
    const existing = await listRanges({
      blob: ctx.storage.pageBlob(destination, { retry: "none" }),
      sizeBytes,
      segmentBytes,
    });
    clears = subtractRanges(existing.changed, allocated.changed);
  }
  const docs = toBatchDocs(ctx.tuning, allocated.changed, clears);
  const store = runStoreOf(ctx, copy);
  await saveBatches(store.container, store.diskId, store.key, docs);
  ctx.log(
    `restore ${copy.phase}: ${totalBytes(allocated.changed)} bytes to copy, ${totalBytes(clears)} to clear, ${docs.length} batches`,
  );
  return {
    sizeBytes,
    writeBytes: totalBytes(allocated.changed),
    clearBytes: totalBytes(clears),
    rangeCount: allocated.changed.length + clears.length,
    batchBytes: docs.map((d) => totalBytes(d.writes)),
    window: ctx.tuning.batchWindow,
  };
}

export async function copyBatch(
  ctx: AppContext,
  input: CopyBatchInput,
  signal?: AbortSignal,
): Promise<BatchResult> {
  const { copy, batch } = input;
  const owner = lockOwnerOfRestore(copy.run);
  await ctx.locks.renew(copy.run.targetDiskId, owner, ctx.tuning.lockTtlMs);
  const store = runStoreOf(ctx, copy);
  const keeper = keepLock(ctx.locks, copy.run.targetDiskId, owner, ctx.tuning.lockTtlMs);
  try {
    return await copyBatchUnderLease(
      ctx,
      {
        sourceUrl: copy.sourceUrl,
        sourceSnapshot: copy.sourceSnapshot,
        destinationUrl: copy.destinationUrl,
        leaseId: leaseOf(copy),
        batch: { ...store, batch },
      },
      signal,
    );
  } finally {
    keeper.stop();
  }
}

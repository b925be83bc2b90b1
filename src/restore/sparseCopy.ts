// The copies of a restore: make the destination page blob ready (create it, or resize and clear what the
// source does not have), list what to copy, store it as bounded batches, then copy batch by batch. The
// safety and restore copies run server side (Put Page From URL: the target is usable at the service's
// copy rate, and no byte passes through the function); the revert copy reads the restore point once
// through this process (relay) into the disk and the chain's backup blob, keeping a digest of every read
// for the verification that follows.
import type { AppContext } from "../app/context";
import { settleAll } from "../app/settle";
import { type BatchResult, copyBatchUnderLease, relayBatchUnderLease } from "../copy/batches";
import { listRanges } from "../copy/diff";
import { fromStoredBatch } from "../copy/runStore";
import { keepLock } from "../lineage/locks";
import { subtractRanges } from "../ranges";
import { statusOf } from "../storage/errors";
import { holdLease, propertiesUnderLease } from "../storage/lease";
import { type BlobLocation, requireBlobUrl } from "../storage/urls";
import { prepareRevert, prepareSafetyIncrement } from "./chainCopy";
import { markUnfinished } from "./mark";
import { lockOwnerOfRestore, TAG_RESTORE_RUN } from "./naming";
import { runStoreOf, storeBatches } from "./store";
import type { CopyBatchInput, CopyPhase, PreparedCopy } from "./types";

export { runStoreOf };

/** The target is the only destination in a source account, and the only one that may already exist. */
function leaseOf(copy: CopyPhase): string | undefined {
  if (copy.phase === "restore" || copy.phase === "revert") return copy.run.leaseId;
  return copy.phase === "safety" ? copy.run.chain?.leaseId : undefined;
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

/** A whole restore point (or a whole target, for a full safety point) copied sparsely. */
async function prepareSparse(ctx: AppContext, copy: CopyPhase): Promise<PreparedCopy> {
  const source = requireBlobUrl(copy.sourceUrl);
  const destination: BlobLocation = requireBlobUrl(copy.destinationUrl);
  const snapshot = ctx.storage.pageBlob(source, { snapshot: copy.sourceSnapshot, retry: "none" });
  // The restore point's size was read by the resolve step (a snapshot does not change); a safety copy's
  // source is the target's snapshot.
  const sizeBytes =
    copy.phase === "safety"
      ? ((await ctx.storage.pageBlob(source, { snapshot: copy.sourceSnapshot }).getProperties())
          .contentLength ?? 0)
      : copy.run.sizeBytes;
  const blob = ctx.storage.pageBlob(destination);
  const leaseId = leaseOf(copy);
  const conditions = leaseId ? { leaseId } : undefined;
  const segmentBytes = ctx.tuning.segmentBytes;
  const destinationReady = ensureDestination(ctx, copy, sizeBytes);
  // The destination is claimed as soon as it exists, beside the listing of the source. The target is
  // marked before its first byte changes (an overwritten one too), so it is never backed up half-written;
  // one just created carries the mark from its creation.
  const claimed = destinationReady.then(async (created) => {
    if (!leaseId) return created;
    const leased = holdLease(blob, leaseId, ctx.tuning.leaseSeconds);
    if (created) await leased;
    else {
      const { metadata = {} } = await propertiesUnderLease(blob, leased);
      await markUnfinished(blob, copy.run.newRestorePointId, leaseId, metadata);
    }
    return created;
  });
  // A new target has nothing to clear: its batches are stored while it is being leased (a round trip
  // less before the first byte; no batch writes before holding the lease itself).
  const listed = listRanges({ blob: snapshot, sizeBytes, segmentBytes }).then(async (allocated) => ({
    allocated,
    prepared: (await destinationReady)
      ? await storeBatches(ctx, copy, sizeBytes, allocated.changed, [])
      : undefined,
  }));
  const [, { allocated, prepared }] = await settleAll([claimed, listed]);
  if (prepared) return prepared;
  if ((await blob.getProperties()).contentLength !== sizeBytes) await blob.resize(sizeBytes, { conditions });
  const existing = await listRanges({
    blob: ctx.storage.pageBlob(destination, { retry: "none" }),
    sizeBytes,
    segmentBytes,
  });
  const clears = subtractRanges(existing.changed, allocated.changed);
  return storeBatches(ctx, copy, sizeBytes, allocated.changed, clears);
}

export async function prepareCopy(ctx: AppContext, copy: CopyPhase): Promise<PreparedCopy> {
  if (copy.phase === "safety" && copy.run.chain) return prepareSafetyIncrement(ctx, copy);
  if (copy.phase === "revert") return prepareRevert(ctx, copy);
  return prepareSparse(ctx, copy);
}

export async function copyBatch(
  ctx: AppContext,
  input: CopyBatchInput,
  signal?: AbortSignal,
): Promise<BatchResult> {
  const { copy, batch } = input;
  const { run } = copy;
  const ranges = input.ranges ? fromStoredBatch(input.ranges) : undefined;
  const firstCall = input.resumed !== true;
  const owner = lockOwnerOfRestore(run);
  // The lock is renewed alongside the batch's loads, and before its first write.
  const ready = ctx.locks.renew(run.targetDiskId, owner, ctx.tuning.lockTtlMs);
  const ref = { ...runStoreOf(ctx, copy), batch };
  const keeper = keepLock(ctx.locks, run.targetDiskId, owner, ctx.tuning.lockTtlMs);
  try {
    // Every copy with one destination runs server side (a managed disk's promoted blob included).
    if (copy.phase !== "revert") {
      const { sourceUrl, sourceSnapshot, destinationUrl } = copy;
      const leaseId = leaseOf(copy);
      return await copyBatchUnderLease(
        ctx,
        { sourceUrl, sourceSnapshot, destinationUrl, leaseId, batch: ref, ranges, firstCall, ready },
        signal,
      );
    }
    const destinations = [{ url: copy.destinationUrl, leaseId: run.leaseId }];
    // A revert writes the chain's backup blob back to the restore point along with the disk.
    if (copy.phase === "revert" && run.chain)
      destinations.push({ url: run.chain.backupUrl, leaseId: run.chain.leaseId });
    return await relayBatchUnderLease(
      ctx,
      {
        sourceUrl: copy.sourceUrl,
        sourceSnapshot: copy.sourceSnapshot,
        destinations,
        batch: ref,
        ranges,
        firstCall,
        ready,
      },
      signal,
    );
  } finally {
    keeper.stop();
  }
}

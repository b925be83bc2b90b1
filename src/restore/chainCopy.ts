// The copies of an overwrite onto a disk whose chain this app holds: the safety point as an incremental
// backup of the disk into the chain's backup blob, and the revert, which writes only the ranges where the
// safety point and the restore point differ, to the disk and to that backup blob.

import type { AppContext } from "../app/context";
import { CodedError } from "../app/result";
import { ChainBreakError, listRanges } from "../copy/diff";
import { stampMismatch, stampOf, writeStamp } from "../lineage/stamp";
import { subtractRanges } from "../ranges";
import { holdLease } from "../storage/lease";
import { requireBlobUrl } from "../storage/urls";
import { revertRanges } from "./chain";
import { markUnfinished } from "./mark";
import { storeBatches } from "./store";
import type { CopyPhase, PreparedCopy } from "./types";

/** The chain's backup blob was written by someone else since the restore began: nothing was overwritten. */
export const CHAIN_CHANGED = "ChainChanged";

/**
 * Takes the chain's backup blob for this restore, once `leased` (the run's lease on it) resolves: checks
 * its stamp under the lease, and stamps it as written by `writing`.
 */
async function claimChainBlob(
  ctx: AppContext,
  copy: CopyPhase,
  holds: string,
  writing: string,
  leased: Promise<unknown>,
) {
  const chain = copy.run.chain;
  if (!chain) throw new Error(`restore ${copy.run.newRestorePointId} holds no chain`);
  const blob = ctx.storage.pageBlob(requireBlobUrl(chain.backupUrl));
  await leased;
  const props = await blob.getProperties();
  const mismatch = stampMismatch(stampOf(props.metadata), holds, writing);
  if (mismatch) {
    throw new CodedError(CHAIN_CHANGED, `${chain.backupUrl} changed while the restore ran: ${mismatch}`);
  }
  if (stampOf(props.metadata).writing !== writing)
    await writeStamp(blob, { holds, writing }, { leaseId: chain.leaseId, metadata: props.metadata });
  return { blob, sizeBytes: props.contentLength ?? 0, leaseId: chain.leaseId };
}

/** Takes (or renews) this run's lease on the chain's backup blob. */
function leaseChainBlob(ctx: AppContext, copy: CopyPhase): Promise<string | undefined> {
  const chain = copy.run.chain;
  if (!chain) throw new Error(`restore ${copy.run.newRestorePointId} holds no chain`);
  return holdLease(
    ctx.storage.pageBlob(requireBlobUrl(chain.backupUrl)),
    chain.leaseId,
    ctx.tuning.leaseSeconds,
  );
}

/**
 * The safety point of a disk whose chain is held: the disk's changes since the chain's newest point,
 * written into the chain's backup blob (server side), as a backup would. If the disk cannot be diffed any
 * more, its allocated ranges are copied in full instead (and the safety point says so).
 */
export async function prepareSafetyIncrement(ctx: AppContext, copy: CopyPhase): Promise<PreparedCopy> {
  const { run } = copy;
  if (!run.chain || !run.safety) throw new Error("an incremental safety point needs a held chain");
  const source = requireBlobUrl(copy.sourceUrl);
  const snapshot = ctx.storage.pageBlob(source, { snapshot: copy.sourceSnapshot, retry: "none" });
  // The disk snapshot's size is read while the chain's backup blob is claimed.
  const [chain, sizeBytes] = await Promise.all([
    claimChainBlob(ctx, copy, run.chain.restorePointId, run.safety.restorePointId, leaseChainBlob(ctx, copy)),
    snapshot.getProperties().then((p) => p.contentLength ?? 0),
  ]);
  // A resized disk: the backup blob follows (shrinking clears its tail, as the service does for the disk).
  if (chain.sizeBytes !== sizeBytes)
    await chain.blob.resize(sizeBytes, { conditions: { leaseId: chain.leaseId } });
  const segmentBytes = ctx.tuning.segmentBytes;
  try {
    const diff = await listRanges({
      blob: snapshot,
      prevSnapshot: copy.againstSnapshot,
      sizeBytes,
      segmentBytes,
    });
    return { ...(await storeBatches(ctx, copy, sizeBytes, diff.changed, diff.cleared)), kind: "incremental" };
  } catch (error) {
    if (!(error instanceof ChainBreakError)) throw error;
    ctx.log(`restore safety point of ${run.targetUrl}: ${error.message}; copying it in full`);
  }
  const [allocated, old] = await Promise.all([
    listRanges({ blob: snapshot, sizeBytes, segmentBytes }),
    listRanges({
      blob: ctx.storage.pageBlob(requireBlobUrl(run.chain.backupUrl), { retry: "none" }),
      sizeBytes,
      segmentBytes,
    }),
  ]);
  const clears = subtractRanges(old.changed, allocated.changed);
  return { ...(await storeBatches(ctx, copy, sizeBytes, allocated.changed, clears)), kind: "full" };
}

/**
 * A revert: the ranges the chain touched between the restore point and the safety point (which holds the
 * disk as it was), copied from the restore point into the disk and into the chain's backup blob. The
 * ranges are listed before anything is marked or written, so a chain that cannot be diffed
 * (RevertNotPossible) leaves everything as it was and the restore copies in full instead.
 */
export async function prepareRevert(ctx: AppContext, copy: CopyPhase): Promise<PreparedCopy> {
  const { run } = copy;
  if (!run.chain || !run.safety || copy.againstSnapshot === undefined)
    throw new Error("a revert needs a held chain and its safety point");
  const backup = requireBlobUrl(run.chain.backupUrl);
  const target = ctx.storage.pageBlob(requireBlobUrl(run.targetUrl));
  // The leases are taken while the ranges are listed (a lease changes no byte and no metadata; a
  // RevertNotPossible restore copies in full under the same leases).
  const targetLeased = holdLease(target, run.leaseId, ctx.tuning.leaseSeconds);
  const chainLeased = leaseChainBlob(ctx, copy);
  const [ranges] = await Promise.all([
    revertRanges(ctx, backup, copy.sourceSnapshot, copy.againstSnapshot, run.sizeBytes),
    targetLeased,
    chainLeased,
  ]);
  // The batches go to the run store meanwhile: nothing reads them before this step returns.
  const [, , prepared] = await Promise.all([
    markUnfinished(target, run.newRestorePointId, run.leaseId),
    claimChainBlob(ctx, copy, run.safety.restorePointId, run.newRestorePointId, chainLeased),
    storeBatches(ctx, copy, run.sizeBytes, ranges.writes, ranges.clears),
  ]);
  return prepared;
}

// The copies of an overwrite onto a disk whose chain this app holds: the safety point as an incremental
// backup of the disk into the chain's backup blob, and the revert, which writes only the ranges where the
// safety point and the restore point differ, to the disk and to that backup blob.

import type { BlobGetPropertiesResponse } from "@azure/storage-blob";
import type { AppContext } from "../app/context";
import { CodedError } from "../app/result";
import { settleAll } from "../app/settle";
import { ChainBreakError, listRanges } from "../copy/diff";
import { stampMismatch, stampOf, writeStamp } from "../lineage/stamp";
import { subtractRanges } from "../ranges";
import { holdLease, propertiesUnderLease } from "../storage/lease";
import { requireBlobUrl } from "../storage/urls";
import { revertRanges } from "./chain";
import { markUnfinished } from "./mark";
import { storeBatches } from "./store";
import type { CopyPhase, PreparedCopy } from "./types";

/** The chain's backup blob was written by someone else since the restore began: nothing was overwritten. */
export const CHAIN_CHANGED = "ChainChanged";

/**
 * Takes the chain's backup blob for this restore once `leased` (its properties under the run's lease)
 * is in: checks its stamp, and stamps it as written by `writing`.
 */
async function claimChainBlob(
  ctx: AppContext,
  copy: CopyPhase,
  holds: string,
  writing: string,
  leased: Promise<BlobGetPropertiesResponse>,
) {
  const chain = copy.run.chain;
  if (!chain) throw new Error(`restore ${copy.run.newRestorePointId} holds no chain`);
  const blob = ctx.storage.pageBlob(requireBlobUrl(chain.backupUrl));
  const props = await leased;
  const mismatch = stampMismatch(stampOf(props.metadata), holds, writing);
  if (mismatch) {
    throw new CodedError(CHAIN_CHANGED, `${chain.backupUrl} changed while the restore ran: ${mismatch}`);
  }
  if (stampOf(props.metadata).writing !== writing)
    await writeStamp(blob, { holds, writing }, { leaseId: chain.leaseId, metadata: props.metadata });
  return { blob, sizeBytes: props.contentLength ?? 0, leaseId: chain.leaseId };
}

/** Takes (or renews) this run's lease on the chain's backup blob; its properties as they are under it. */
function leaseChainBlob(ctx: AppContext, copy: CopyPhase): Promise<BlobGetPropertiesResponse> {
  const chain = copy.run.chain;
  if (!chain) throw new Error(`restore ${copy.run.newRestorePointId} holds no chain`);
  const blob = ctx.storage.pageBlob(requireBlobUrl(chain.backupUrl));
  return propertiesUnderLease(blob, holdLease(blob, chain.leaseId, ctx.tuning.leaseSeconds));
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
  const segmentBytes = ctx.tuning.segmentBytes;
  // The disk snapshot's size is read, and its diff listed, while the chain's backup blob is claimed (reads
  // only: nothing is stored or resized before the claim holds).
  const size = snapshot.getProperties().then((p) => p.contentLength ?? 0);
  const diff = size
    .then((sizeBytes) =>
      listRanges({ blob: snapshot, prevSnapshot: copy.againstSnapshot, sizeBytes, segmentBytes }),
    )
    .catch((error: unknown) => {
      if (error instanceof ChainBreakError) return error;
      throw error;
    });
  const [chain, sizeBytes, listed] = await settleAll([
    claimChainBlob(ctx, copy, run.chain.restorePointId, run.safety.restorePointId, leaseChainBlob(ctx, copy)),
    size,
    diff,
  ]);
  // A resized disk: the backup blob follows (shrinking clears its tail, as the service does for the disk).
  if (chain.sizeBytes !== sizeBytes)
    await chain.blob.resize(sizeBytes, { conditions: { leaseId: chain.leaseId } });
  if (!(listed instanceof ChainBreakError))
    return {
      ...(await storeBatches(ctx, copy, sizeBytes, listed.changed, listed.cleared)),
      kind: "incremental",
    };
  ctx.log(`restore safety point of ${run.targetUrl}: ${listed.message}; copying it in full`);
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
  // The leases are taken, and both blobs read under them, while the ranges are listed (a lease changes no
  // byte and no metadata; a RevertNotPossible restore copies in full under the same leases).
  const targetNow = propertiesUnderLease(target, holdLease(target, run.leaseId, ctx.tuning.leaseSeconds));
  const chainNow = leaseChainBlob(ctx, copy);
  const [ranges, targetProps] = await settleAll([
    revertRanges(ctx, backup, copy.sourceSnapshot, copy.againstSnapshot, run.sizeBytes),
    targetNow,
    chainNow,
  ]);
  // The batches go to the run store meanwhile: nothing reads them before this step returns.
  const [, , prepared] = await settleAll([
    markUnfinished(target, run.newRestorePointId, run.leaseId, targetProps.metadata ?? {}),
    claimChainBlob(ctx, copy, run.safety.restorePointId, run.newRestorePointId, chainNow),
    storeBatches(ctx, copy, run.sizeBytes, ranges.writes, ranges.clears),
  ]);
  return prepared;
}

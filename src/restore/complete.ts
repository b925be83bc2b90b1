// Last step of a restore: snapshot the new disk (the diff base of its next backup), record the first
// restore point of its chain, remove the unfinished-restore mark, then release the target and drop the
// run's batch documents.
import type { AppContext } from "../app/context";
import { deleteRunsStartingWith } from "../copy/runStore";
import { writeStamp, writeStampUnderLease } from "../lineage/stamp";
import { messageOf } from "../storage/errors";
import { holdLease, propertiesUnderLease, releaseLease } from "../storage/lease";
import { ensureSnapshot } from "../storage/snapshots";
import { TAG_SOURCE_SNAPSHOT } from "../storage/tags";
import { requireBlobUrl } from "../storage/urls";
import { unmarkFinished } from "./mark";
import { lockOwnerOfRestore, snapshotTagOf } from "./naming";
import { restoredPointOf } from "./record";
import type { CompleteRestoreInput, RestoreOutput, RestoreRun } from "./types";
import { combineVerification } from "./verify";

/**
 * Housekeeping shared by success and failure: never turns either into something else. The target's lease
 * and the disk's lock are let go once `targetDone` (the target's last write under them) has succeeded, and
 * kept if it fails (the step fails with it and runs again); the chain's lease and the run's documents go
 * at once.
 */
export async function releaseRun(
  ctx: AppContext,
  run: RestoreRun,
  targetDone: Promise<unknown> = Promise.resolve(),
): Promise<void> {
  const backups = ctx.storage.container(ctx.settings.target);
  const chain = run.chain;
  const afterTarget = <T>(release: () => Promise<T>) => targetDone.then(release, () => undefined);
  const results = await Promise.allSettled([
    // A managed disk target is held by the disk lock and its upload SAS, not by a lease.
    run.targetDisk
      ? Promise.resolve()
      : afterTarget(() => releaseLease(ctx.storage.pageBlob(requireBlobUrl(run.targetUrl)), run.leaseId)),
    chain ? releaseLease(ctx.storage.pageBlob(requireBlobUrl(chain.backupUrl)), chain.leaseId) : undefined,
    afterTarget(() => ctx.locks.release(run.targetDiskId, lockOwnerOfRestore(run))),
    // Every phase's documents (run keys `<new point>.<phase>`) in one listing.
    deleteRunsStartingWith(backups, run.targetDiskId, `${run.newRestorePointId}.`),
  ]);
  for (const r of results)
    if (r.status === "rejected") ctx.log(`cleanup after restore: ${messageOf(r.reason)}`);
}

/**
 * The new chain's backup blob says it holds the restored point: the promoted blob, or after a revert the
 * chain's own backup blob (stamped before its snapshot is taken, so the snapshot says so too).
 */
async function stampNewChain(ctx: AppContext, run: RestoreRun, revert: boolean): Promise<void> {
  const stamp = { holds: run.newRestorePointId, writing: undefined };
  if (!revert) {
    await writeStamp(ctx.storage.pageBlob(requireBlobUrl(run.promotedUrl)), stamp);
    return;
  }
  const chain = run.chain;
  if (!chain) throw new Error(`restore ${run.newRestorePointId} reverted without a held chain`);
  const blob = ctx.storage.pageBlob(requireBlobUrl(chain.backupUrl));
  await writeStampUnderLease(blob, stamp, { leaseId: chain.leaseId, seconds: ctx.tuning.leaseSeconds });
}

/** A revert's backup snapshot: the chain's backup blob, now holding the restored point. */
async function snapshotChainBlob(ctx: AppContext, run: RestoreRun, targetSnapshot: string): Promise<string> {
  const backup = requireBlobUrl(run.chain?.backupUrl ?? "");
  return ensureSnapshot(ctx.storage.container(backup), backup, {
    tag: snapshotTagOf(run.targetDiskId, run.newRestorePointId),
    metadata: { [TAG_SOURCE_SNAPSHOT]: targetSnapshot },
  });
}

export async function completeRestore(ctx: AppContext, input: CompleteRestoreInput): Promise<RestoreOutput> {
  const { run, copied, mode } = input;
  const target = requireBlobUrl(run.targetUrl);
  const verification = combineVerification(input.verified, mode);
  const revert = mode === "revert";
  // A revert's verification took the disk's snapshot (under the run's lease, tagged like the one made
  // here) and checked it: that one is recorded. Otherwise (a full restore, an older build's parts) it is made.
  const verifiedSnapshot = input.verified.find((part) => part.snapshot !== undefined)?.snapshot;
  // Side by side: the lock, the target's lease, snapshot and metadata, and the new chain's stamp.
  // The lease may have lapsed between activities: take it again (fails if someone else holds it now).
  const leased = holdLease(ctx.storage.pageBlob(target), run.leaseId, ctx.tuning.leaseSeconds);
  const [, targetSnapshot, metadata = {}] = await Promise.all([
    ctx.locks.renew(run.targetDiskId, lockOwnerOfRestore(run), ctx.tuning.lockTtlMs),
    leased.then(
      () =>
        verifiedSnapshot ??
        ensureSnapshot(ctx.storage.container(target), target, {
          tag: snapshotTagOf(run.targetDiskId, run.newRestorePointId),
          leaseId: run.leaseId,
        }),
    ),
    propertiesUnderLease(ctx.storage.pageBlob(target), leased).then((props) => props.metadata),
    stampNewChain(ctx, run, revert),
  ]);
  const promotedSnapshot = revert
    ? await snapshotChainBlob(ctx, run, targetSnapshot)
    : (input.promotedSnapshot ?? "");
  const point = restoredPointOf(
    run,
    {
      targetSnapshot,
      backupUrl: revert && run.chain ? run.chain.backupUrl : run.promotedUrl,
      promotedSnapshot,
      sizeBytes: copied.sizeBytes,
      writeBytes: copied.writeBytes,
      clearBytes: copied.clearBytes,
      rangeCount: copied.rangeCount,
    },
    verification,
  );
  await ctx.lineage.upsert(point);
  // Recorded: the new disk is a disk now, and the next backup may take it. Its mark goes under its lease
  // while the rest of the run is let go.
  const unmarked = unmarkFinished(ctx.storage.pageBlob(target), run.newRestorePointId, run.leaseId, metadata);
  await Promise.all([unmarked, releaseRun(ctx, run, unmarked)]);
  ctx.log(
    `restore ${run.diskId}/${run.restorePointId} → ${run.targetUrl}: restore point ${point.restorePointId}`,
  );
  return {
    restoredDiskUrl: run.targetUrl,
    diskId: run.targetDiskId,
    restorePointId: point.restorePointId,
    restoredFrom: { diskId: run.diskId, restorePointId: run.restorePointId },
    safetyRestorePointId: run.safety?.restorePointId ?? null,
    backupUrl: point.backupUrl,
    backupSnapshot: point.backupSnapshot,
    sourceSnapshot: point.sourceSnapshot,
    verification,
  };
}

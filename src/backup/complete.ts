// Last step of a disk backup: snapshot the backup blob (the restore point), record it in the lineage,
// and only then delete older source snapshots of the chain; or, on failure, record why and clean up.
// The source snapshot the next diff needs (the one just recorded) is never deleted. A managed disk's
// SAS end before the record, and its snapshots are Resource Manager's (src/backup/managedSource.ts).

import type { AppContext } from "../app/context";
import { isManagedDiskSource } from "../compute/resourceIds";
import { deleteRun } from "../copy/runStore";
import type { RestorePoint } from "../lineage/restorePoint";
import { writeStamp } from "../lineage/stamp";
import { messageOf } from "../storage/errors";
import { holdLease, releaseLease } from "../storage/lease";
import { ensureSnapshot, findSnapshots, listSnapshots, taggedBefore } from "../storage/snapshots";
import { runTag, TAG_DISK_ID, TAG_RESTORE_POINT_ID, TAG_SOURCE_SNAPSHOT } from "../storage/tags";
import { requireBlobUrl } from "../storage/urls";
import { abandonManagedSource, pruneManagedSnapshots, revokeRunAccess } from "./managedSource";
import { leaseIdOfRun, lockOwnerOfRun } from "./ownership";
import type { BeginResult, CompleteInput, FailInput } from "./types";

/**
 * Deletes source snapshots of this disk's chain older than the run's own (never that one): those its begin
 * step found beside it (no other run takes a snapshot of the disk while this one holds it), or listed now.
 */
async function pruneSourceSnapshots(ctx: AppContext, run: BeginResult) {
  const source = requireBlobUrl(run.sourceUrl);
  const container = ctx.storage.container(source);
  const client = container.getBlobClient(source.blobName ?? "");
  const older =
    run.olderSourceSnapshots ??
    taggedBefore(await listSnapshots(container, source), { [TAG_DISK_ID]: run.diskId }, run.sourceSnapshot);
  for (const snapshot of older) await client.withSnapshot(snapshot).deleteIfExists();
}

/** The managed-disk columns of a run's restore point (none for a page blob). */
function managedColumnsOf(run: Partial<BeginResult>): Partial<RestorePoint> {
  const m = run.managed;
  if (!m) return {};
  return {
    sourceKind: "managedDisk",
    sourceResourceId: m.sourceResourceId,
    sourceUniqueId: m.sourceUniqueId,
    snapshotResourceId: m.snapshotResourceId,
    sourceDisk: m.sourceDisk,
  };
}

export async function completeDiskBackup(ctx: AppContext, input: CompleteInput): Promise<RestorePoint> {
  const { run, plan } = input;
  const backup = requireBlobUrl(run.backupUrl);
  const leaseId = leaseIdOfRun(run);
  // Every byte is copied: the run's SAS on its snapshot and on the diff base end now.
  if (run.managed) {
    await revokeRunAccess(ctx, [run.managed.snapshotResourceId, run.managed.prevSnapshotResourceId]);
  }
  const backupBlob = ctx.storage.pageBlob(backup);
  // Both confirm what the run already holds (its lease was kept while it copied): asked side by side.
  await Promise.all([
    ctx.locks.renew(run.diskId, lockOwnerOfRun(run), ctx.tuning.lockTtlMs),
    holdLease(backupBlob, leaseId, ctx.tuning.leaseSeconds),
  ]);
  // The blob now holds this restore point: stamp it first, so the snapshot (the restore point) says so too.
  // The metadata is the plan's: only this run, which still holds the disk and the lease, wrote it since.
  await writeStamp(
    backupBlob,
    { holds: run.restorePointId, writing: undefined },
    { leaseId, metadata: plan.backupMetadata },
  );
  const backupSnapshot = await ensureSnapshot(ctx.storage.container(backup), backup, {
    tag: runTag(run.diskId, run.restorePointId),
    metadata: { [TAG_SOURCE_SNAPSHOT]: run.sourceSnapshot },
    leaseId,
  });
  const point: RestorePoint = {
    restorePointId: run.restorePointId,
    diskId: run.diskId,
    sourceUrl: run.sourceUrl,
    sourceSnapshot: run.sourceSnapshot,
    backupUrl: run.backupUrl,
    backupSnapshot,
    parentRestorePointId: plan.mode === "incremental" ? run.parentRestorePointId : null,
    kind: plan.mode,
    diskSizeBytes: run.managed?.diskSizeBytes ?? plan.sizeBytes,
    changedBytes: plan.changedBytes,
    clearedBytes: plan.clearedBytes,
    rangeCount: plan.rangeCount,
    startedAt: run.startedAt,
    completedAt: new Date().toISOString(),
    runId: run.runId,
    status: "completed",
    reason: plan.reason,
    ...managedColumnsOf(run),
  };
  await ctx.lineage.upsert(point);
  // The restore point is recorded: what follows is housekeeping and must not turn it into a failure.
  const housekeeping = await Promise.allSettled([
    releaseLease(backupBlob, leaseId),
    run.managed ? pruneManagedSnapshots(ctx, run) : pruneSourceSnapshots(ctx, run),
    deleteRun(ctx.storage.container(backup), run.diskId, run.restorePointId),
    ctx.locks.release(run.diskId, lockOwnerOfRun(run)),
  ]);
  for (const r of housekeeping)
    if (r.status === "rejected") ctx.log(`cleanup after backup: ${messageOf(r.reason)}`);
  ctx.log(
    `backup ${run.diskId}: restore point ${point.restorePointId} (${point.kind}, ${point.changedBytes} bytes)`,
  );
  return point;
}

/** Records a failed attempt and removes what only this attempt needed (its source snapshot, its run data). */
export async function failDiskBackup(ctx: AppContext, input: FailInput): Promise<RestorePoint> {
  const { run } = input;
  const recorded = await ctx.lineage.get(run.diskId, run.restorePointId);
  if (recorded?.status === "completed") return recorded;
  const point: RestorePoint = {
    restorePointId: run.restorePointId,
    diskId: run.diskId,
    sourceUrl: run.sourceUrl,
    sourceSnapshot: run.sourceSnapshot ?? "",
    backupUrl: run.backupUrl ?? "",
    backupSnapshot: "",
    parentRestorePointId: run.parentRestorePointId ?? null,
    kind: input.mode ?? run.mode ?? "full",
    diskSizeBytes: run.managed?.diskSizeBytes ?? run.sizeBytes ?? 0,
    changedBytes: 0,
    clearedBytes: 0,
    rangeCount: 0,
    startedAt: run.startedAt,
    completedAt: new Date().toISOString(),
    runId: run.runId,
    status: "failed",
    reason: input.reason,
    ...managedColumnsOf(run),
    ...(isManagedDiskSource(run.sourceUrl)
      ? { sourceKind: "managedDisk" as const, sourceResourceId: run.sourceUrl }
      : {}),
  };
  await ctx.lineage.upsert(point);
  const cleanups: Array<Promise<unknown>> = [ctx.locks.release(run.diskId, lockOwnerOfRun(run))];
  if (run.backupUrl) {
    const backup = requireBlobUrl(run.backupUrl);
    cleanups.push(releaseLease(ctx.storage.pageBlob(backup), leaseIdOfRun(run)));
    cleanups.push(deleteRun(ctx.storage.container(backup), run.diskId, run.restorePointId));
  }
  if (isManagedDiskSource(run.sourceUrl)) cleanups.push(abandonManagedSource(ctx, run));
  else cleanups.push(deletePageBlobRunSnapshots(ctx, run));
  const results = await Promise.allSettled(cleanups);
  for (const r of results)
    if (r.status === "rejected") ctx.log(`cleanup after failure: ${messageOf(r.reason)}`);
  ctx.log(`backup ${run.diskId}: failed (${input.reason})`);
  return point;
}

/** The source snapshots a failed run of a page blob took (found by its tags). */
async function deletePageBlobRunSnapshots(ctx: AppContext, run: FailInput["run"]): Promise<void> {
  const source = requireBlobUrl(run.sourceUrl);
  const container = ctx.storage.container(source);
  const mine = { [TAG_DISK_ID]: run.diskId, [TAG_RESTORE_POINT_ID]: run.restorePointId };
  const found = await findSnapshots(container, source, mine);
  await Promise.all(
    found.map((s) =>
      container
        .getBlobClient(source.blobName ?? "")
        .withSnapshot(s.snapshot)
        .deleteIfExists(),
    ),
  );
}

// The source side of a managed disk's backup, after step 1: where its snapshots live, the run's read
// access to them (SAS URLs kept in the run store, never in a payload), and the snapshot housekeeping:
// revoke every SAS when done (also on failure), keep only the newest app-made snapshot as the next diff
// base, remove the snapshot of a run that failed.
import type { AppContext } from "../app/context";
import {
  backupSnapshotName,
  type ComputeRef,
  groupRef,
  type ResourceGroupRef,
  requireComputeId,
  sameResource,
  sasSecondsFor,
  snapshotGroupFor,
  snapshotRef,
} from "../compute/resourceIds";
import { deleteSnapshot, listAppSnapshots, revokeRead } from "../compute/snapshots";
import { loadRunDoc, saveRunDoc } from "../copy/runStore";
import { messageOf } from "../storage/errors";
import { requireBlobUrl } from "../storage/urls";
import type { BeginResult, DiskRunRef } from "./types";

/** Where the app keeps a disk's snapshots (SNAPSHOT_RESOURCE_GROUP, or the disk's own group). */
export function snapshotGroupOf(ctx: AppContext, disk: ComputeRef): ResourceGroupRef {
  return snapshotGroupFor(ctx.settings.snapshotResourceGroup, disk);
}

/** The snapshot a run takes of its disk (deterministic: a retried step finds it). */
export function runSnapshotRef(
  ctx: AppContext,
  ref: Pick<DiskRunRef, "sourceUrl" | "restorePointId">,
): ComputeRef {
  const disk = requireComputeId(ref.sourceUrl);
  return snapshotRef(snapshotGroupOf(ctx, disk), backupSnapshotName(disk.name, ref.restorePointId));
}

/** The run's read access to its snapshots (run store document `access`). */
export interface SnapshotAccess {
  sasUrl: string;
  /** The previous point's snapshot, for an incremental (x-ms-previous-snapshot-url). */
  previousSasUrl?: string;
  expiresAt: string;
}

const ACCESS_DOC = "access";

function runContainer(ctx: AppContext, backupUrl: string) {
  return ctx.storage.container(requireBlobUrl(backupUrl));
}

export async function saveAccess(
  ctx: AppContext,
  run: DiskRunRef & { backupUrl: string },
  access: SnapshotAccess,
) {
  const container = runContainer(ctx, run.backupUrl);
  // A disk's first backup reaches the backup container here, before the plan step creates its blob.
  await container.createIfNotExists();
  await saveRunDoc(container, run.diskId, run.restorePointId, ACCESS_DOC, access);
}

export async function loadAccess(ctx: AppContext, run: BeginResult): Promise<SnapshotAccess> {
  const access = await loadRunDoc<SnapshotAccess>(
    runContainer(ctx, run.backupUrl),
    run.diskId,
    run.restorePointId,
    ACCESS_DOC,
  );
  if (!access)
    throw new Error(`backup ${run.diskId} ${run.restorePointId}: the snapshot access of the run is gone`);
  return access;
}

/** How long a read SAS lasts (hours: see sasSecondsFor). */
export const readSasSeconds = sasSecondsFor;

/** Ends the run's SAS on its snapshot and on the diff base (both, whatever fails; failures are logged). */
export async function revokeRunAccess(
  ctx: AppContext,
  snapshots: Array<string | null | undefined>,
): Promise<void> {
  const refs = snapshots.filter((s): s is string => Boolean(s)).map((s) => requireComputeId(s, "snapshots"));
  const results = await Promise.allSettled(refs.map((ref) => revokeRead(ctx.compute, ref)));
  results.forEach((r, i) => {
    if (r.status === "rejected")
      ctx.log(`could not revoke the SAS of ${refs[i]?.id}: ${messageOf(r.reason)} (it expires by itself)`);
  });
}

/**
 * After the restore point is recorded: the run's snapshot is the next diff base; every older snapshot
 * this app took of the disk (in the snapshot group, and the diff base wherever it is) is deleted.
 */
export async function pruneManagedSnapshots(ctx: AppContext, run: BeginResult): Promise<void> {
  const managed = run.managed;
  if (!managed) return;
  const keep = requireComputeId(managed.snapshotResourceId, "snapshots");
  const group = groupRef(keep.subscriptionId, keep.resourceGroup);
  const mine = await listAppSnapshots(ctx.compute, group, run.diskId, managed.sourceResourceId);
  const kept = mine.find((s) => sameResource(s.id ?? "", keep.id));
  const keptAt = kept?.timeCreated?.getTime() ?? Number.POSITIVE_INFINITY;
  // Listed without an active SAS: deleted without a revoke first (each is a long-running operation).
  const old = mine
    .filter((s) => !sameResource(s.id ?? "", keep.id) && (s.timeCreated?.getTime() ?? 0) <= keptAt)
    .map((s) => ({ ref: snapshotRef(group, s.name ?? ""), revoke: s.diskState === "ActiveSAS" }));
  const prevId = managed.prevSnapshotResourceId;
  if (prevId && !old.some((o) => sameResource(o.ref.id, prevId))) {
    const prev = requireComputeId(prevId, "snapshots");
    if (!sameResource(prev.id, keep.id)) old.push({ ref: prev, revoke: true });
  }
  for (const { ref, revoke } of old) {
    try {
      await deleteSnapshot(ctx.compute, ref, { revoke });
    } catch (error) {
      ctx.log(
        `could not delete the older snapshot ${ref.id}: ${messageOf(error)} (the next backup tries again)`,
      );
    }
  }
}

/** A failed run: its SAS are revoked and the snapshot it took is deleted (the diff base is kept). */
export async function abandonManagedSource(
  ctx: AppContext,
  run: DiskRunRef & Partial<BeginResult>,
): Promise<void> {
  const own = runSnapshotRef(ctx, run);
  // A run that failed before its first step returned may still have granted a SAS on the diff base.
  const base =
    run.managed?.prevSnapshotResourceId ??
    (await ctx.lineage.latestCompleted(run.diskId))?.snapshotResourceId;
  await revokeRunAccess(ctx, [base]);
  await deleteSnapshot(ctx.compute, own);
}

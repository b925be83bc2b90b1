// The service's snapshot and SAS limits, enforced before any work: snapshots per disk per time
// window (429 with x-ms-ratelimit headers), per disk in total, pending per disk, SAS per family.
import type { StandInContext } from "./context";
import { ArmError, operationNotAllowed } from "./errors";
import { activeGrant, completionPercent } from "./resources";
import type { DiskRecord, SnapshotRecord } from "./state";

const familyOf = (ctx: StandInContext, familyId: string): SnapshotRecord[] =>
  Object.values(ctx.store.state.snapshots).filter((s) => s.incrementalSnapshotFamilyId === familyId);

/** Checks every limit on a new incremental snapshot of `disk`; throws the service's error. */
export function checkNewIncrementalSnapshot(ctx: StandInContext, disk: DiskRecord, now: number): void {
  const { limits } = ctx;
  const recent = (ctx.store.state.snapshotTimes[disk.uniqueId] ?? []).filter(
    (t) => t > now - limits.snapshotWindowMs,
  );
  if (recent.length >= limits.maxSnapshotsPerWindow) {
    const oldest = Math.min(...recent);
    const retryAfter = Math.max(1, Math.ceil((oldest + limits.snapshotWindowMs - now) / 1000));
    const group = `IncrementalSnapshotCreate${Math.round(limits.snapshotWindowMs / 60000)}Min`;
    throw new ArmError(
      429,
      "OperationNotAllowed",
      `The server rejected the request because too many incremental snapshots of disk '${disk.name}' were ` +
        `requested: at most ${limits.maxSnapshotsPerWindow} in ${limits.snapshotWindowMs / 1000} seconds.`,
      {
        "retry-after": String(retryAfter),
        "x-ms-ratelimit-remaining-resource": `Microsoft.Compute/${group};0`,
        "x-ms-ratelimit-remaining-subscription-writes": "1199",
      },
    );
  }
  const family = familyOf(ctx, disk.incrementalSnapshotFamilyId);
  if (family.length >= limits.maxIncrementalSnapshotsPerDisk) {
    throw operationNotAllowed(
      `Disk '${disk.name}' already has ${family.length} incremental snapshots; the limit is ` +
        `${limits.maxIncrementalSnapshotsPerDisk}. Delete some before creating another.`,
    );
  }
  const pending = family.filter((s) => completionPercent(s, now) < 100).length;
  if (pending >= limits.maxPendingSnapshotsPerDisk) {
    throw operationNotAllowed(
      `Disk '${disk.name}' has ${pending} snapshots still being copied; at most ` +
        `${limits.maxPendingSnapshotsPerDisk} may be pending at once.`,
    );
  }
}

/** Remembers a new snapshot's time for the window limit (kept only as long as the window). */
export function recordSnapshotTime(ctx: StandInContext, disk: DiskRecord, now: number): void {
  const times = ctx.store.state.snapshotTimes;
  times[disk.uniqueId] = [
    ...(times[disk.uniqueId] ?? []).filter((t) => t > now - ctx.limits.snapshotWindowMs),
    now,
  ];
}

/** Read access to a snapshot: readable (not pending) and room in its family's SAS limit. */
export function checkSnapshotAccess(ctx: StandInContext, snapshot: SnapshotRecord, now: number): void {
  if (completionPercent(snapshot, now) < 100) {
    throw operationNotAllowed(
      `Snapshot '${snapshot.name}' is not ready for access: snapshotAccessState is Pending ` +
        `(completionPercent ${completionPercent(snapshot, now)}).`,
    );
  }
  if (snapshot.incrementalSnapshotFamilyId === undefined) return;
  const active = familyOf(ctx, snapshot.incrementalSnapshotFamilyId).filter(
    (s) => s !== snapshot && activeGrant(s.grant, now) !== undefined,
  );
  if (active.length >= ctx.limits.maxActiveSasPerFamily) {
    throw operationNotAllowed(
      `At most ${ctx.limits.maxActiveSasPerFamily} snapshots of an incremental snapshot family can have an ` +
        `active SAS at a time (active: ${active.map((s) => s.name).join(", ")}). Revoke access to one first.`,
    );
  }
}

// Incremental snapshots of managed disks through Resource Manager: take one under a deterministic name
// (a retried step finds it), tell when it is readable, grant and revoke read access, list and delete
// the ones this app took. The service's limits come back as coded failures the procedure waits out
// (rate, pending copies, SAS per family) or reports (snapshots per disk).
import type { Disk, Snapshot } from "@azure/arm-compute";
import {
  ARM_CONFLICT,
  SNAPSHOT_ACCESS_LIMITED,
  SNAPSHOT_COUNT_EXCEEDED,
  SNAPSHOT_PENDING,
  SNAPSHOT_RATE_LIMITED,
} from "../app/codes";
import { CodedError } from "../app/result";
import { messageOf } from "../storage/errors";
import { TAG_DISK_ID } from "../storage/tags";
import type { ComputeAccess } from "./access";
import { armStatusOf, isArmNotFound, retryAfterMsOf } from "./errors";
import { type ComputeRef, type ResourceGroupRef, sameResource, snapshotRef } from "./resourceIds";

/** The service keeps at most this many incremental snapshots of one disk. */
export const MAX_INCREMENTAL_SNAPSHOTS = 500;

/** How long the procedure waits before asking again when the service gave no time. */
export interface WaitOptions {
  waitMs: number;
}

export async function findSnapshot(compute: ComputeAccess, ref: ComputeRef): Promise<Snapshot | undefined> {
  try {
    return await compute.call(`get snapshot ${ref.name}`, ref.subscriptionId, (c) =>
      c.snapshots.get(ref.resourceGroup, ref.name),
    );
  } catch (error) {
    if (isArmNotFound(error)) return undefined;
    throw error;
  }
}

/** Every snapshot in a resource group. */
export async function listSnapshots(compute: ComputeAccess, group: ResourceGroupRef): Promise<Snapshot[]> {
  return compute.call(`list snapshots of ${group.resourceGroup}`, group.subscriptionId, async (c) => {
    const found: Snapshot[] = [];
    for await (const s of c.snapshots.listByResourceGroup(group.resourceGroup)) found.push(s);
    return found;
  });
}

/** The incremental snapshots this app took of one disk (tagged with its disk id), oldest first. */
export async function listAppSnapshots(
  compute: ComputeAccess,
  group: ResourceGroupRef,
  diskId: string,
  diskResourceId: string,
): Promise<Snapshot[]> {
  const all = await listSnapshots(compute, group);
  return all
    .filter(
      (s) =>
        s.tags?.[TAG_DISK_ID] === diskId &&
        s.incremental === true &&
        sameResource(s.creationData?.sourceResourceId ?? "", diskResourceId),
    )
    .sort((a, b) => (a.timeCreated?.getTime() ?? 0) - (b.timeCreated?.getTime() ?? 0));
}

/** Percent of the snapshot's background copy, and whether its data can be read through a SAS now. */
export function readiness(snapshot: Snapshot): { readable: boolean; percent: number } {
  const percent = snapshot.completionPercent ?? 100;
  const state = snapshot.snapshotAccessState;
  // InstantAccess serves fast restores only; Pending serves nothing.
  const readable =
    percent >= 100 &&
    (state === undefined || state === "Available" || state === "AvailableWithInstantAccess");
  return { readable, percent };
}

/** A wait for a pending snapshot: longer while little is copied, never more than 10 minutes. */
export function pendingWaitMs(percent: number, options: WaitOptions): number {
  return Math.min(10 * 60_000, options.waitMs * (percent < 50 ? 2 : 1));
}

async function diagnoseCreateConflict(
  compute: ComputeAccess,
  ref: ComputeRef,
  disk: Disk,
  error: unknown,
  options: WaitOptions,
): Promise<CodedError> {
  const family = (await listSnapshots(compute, ref).catch(() => [] as Snapshot[])).filter(
    (s) => s.incremental === true && s.creationData?.sourceUniqueId === disk.uniqueId,
  );
  const pending = family.filter((s) => !readiness(s).readable);
  if (pending.length > 0) {
    return new CodedError(
      SNAPSHOT_PENDING,
      `disk ${disk.name} has ${pending.length} snapshot(s) still being copied (${pending.map((s) => s.name).join(", ")}); the service allows no more now: waiting`,
      {
        retryAfterMs: pendingWaitMs(Math.min(...pending.map((s) => readiness(s).percent)), options),
        cause: error,
      },
    );
  }
  if (family.length >= MAX_INCREMENTAL_SNAPSHOTS) {
    return new CodedError(
      SNAPSHOT_COUNT_EXCEEDED,
      `disk ${disk.name} has ${family.length} incremental snapshots, the service's limit (${MAX_INCREMENTAL_SNAPSHOTS}). This app keeps only its newest one of a disk; delete snapshots made by others, then the next backup goes on`,
      { cause: error },
    );
  }
  return new CodedError(
    ARM_CONFLICT,
    `Resource Manager refused a snapshot of disk ${disk.name} for now (${messageOf(error)}); waiting`,
    { retryAfterMs: options.waitMs, cause: error },
  );
}

/**
 * The incremental snapshot `ref` of `disk`: found if a previous attempt took it, else taken now. A 429
 * (at most 7 per disk per 5 minutes) is a SnapshotRateLimited wait; a 409 is diagnosed (pending copies,
 * 500 per disk) or waited out a few times.
 */
export async function takeIncrementalSnapshot(
  compute: ComputeAccess,
  ref: ComputeRef,
  disk: Disk,
  tags: Record<string, string>,
  options: WaitOptions,
): Promise<Snapshot> {
  const existing = await findSnapshot(compute, ref);
  if (existing) {
    if (!sameResource(existing.creationData?.sourceResourceId ?? "", disk.id ?? "")) {
      throw new Error(`snapshot ${ref.id} exists and is not a snapshot of ${disk.id}`);
    }
    return existing;
  }
  const body: Snapshot = {
    location: disk.location ?? "",
    incremental: true,
    creationData: { createOption: "Copy", sourceResourceId: disk.id },
    tags,
  };
  try {
    return await compute
      .client(ref.subscriptionId)
      .snapshots.beginCreateOrUpdateAndWait(ref.resourceGroup, ref.name, body, compute.poll);
  } catch (error) {
    const status = armStatusOf(error);
    if (status === 429) {
      const retryAfterMs = retryAfterMsOf(error, 60_000);
      throw new CodedError(
        SNAPSHOT_RATE_LIMITED,
        `disk ${disk.name} takes no snapshot now (429: at most 7 incremental snapshots per disk per 5 minutes); waiting ${Math.round(retryAfterMs / 1000)} s`,
        { retryAfterMs, cause: error },
      );
    }
    if (status === 409) throw await diagnoseCreateConflict(compute, ref, disk, error, options);
    // A dropped answer may hide a snapshot that was taken: the step's retry finds it by name.
    throw error;
  }
}

/**
 * A read SAS on the snapshot, valid `seconds`. A 409 is the family's SAS limit (5 snapshots with an
 * active SAS at once) or a snapshot still being copied: both are waited out.
 */
export async function grantRead(
  compute: ComputeAccess,
  ref: ComputeRef,
  seconds: number,
  options: WaitOptions,
): Promise<string> {
  try {
    const granted = await compute.call(`grant read access to ${ref.name}`, ref.subscriptionId, (c) =>
      c.snapshots.beginGrantAccessAndWait(
        ref.resourceGroup,
        ref.name,
        { access: "Read", durationInSeconds: Math.round(seconds) },
        compute.poll,
      ),
    );
    if (!granted.accessSAS) throw new Error(`grant access to ${ref.id} returned no SAS`);
    return granted.accessSAS;
  } catch (error) {
    if (armStatusOf(error) !== 409) throw error;
    const snapshot = await findSnapshot(compute, ref);
    const state = snapshot ? readiness(snapshot) : undefined;
    if (state && !state.readable) {
      throw new CodedError(
        SNAPSHOT_PENDING,
        `snapshot ${ref.name} is not readable yet (${state.percent}% copied); waiting`,
        {
          retryAfterMs: pendingWaitMs(state.percent, options),
          cause: error,
        },
      );
    }
    const family = snapshot?.incrementalSnapshotFamilyId;
    const active = family
      ? (await listSnapshots(compute, ref).catch(() => [] as Snapshot[]))
          .filter((s) => s.incrementalSnapshotFamilyId === family && s.diskState === "ActiveSAS")
          .map((s) => s.name)
      : [];
    throw new CodedError(
      SNAPSHOT_ACCESS_LIMITED,
      `snapshot ${ref.name} gets no SAS now: at most 5 snapshots of a disk may have an active SAS at once${active.length > 0 ? ` (active in ${ref.resourceGroup}: ${active.join(", ")})` : ""} (${messageOf(error)}); waiting`,
      { retryAfterMs: options.waitMs, cause: error },
    );
  }
}

/** Ends the snapshot's SAS (a snapshot that is gone has none). */
export async function revokeRead(compute: ComputeAccess, ref: ComputeRef): Promise<void> {
  try {
    await compute.call(`revoke access to ${ref.name}`, ref.subscriptionId, (c) =>
      c.snapshots.beginRevokeAccessAndWait(ref.resourceGroup, ref.name, compute.poll),
    );
  } catch (error) {
    if (!isArmNotFound(error)) throw error;
  }
}

/**
 * Revokes the snapshot's SAS (a snapshot with one cannot be deleted), then deletes it. `revoke: false`
 * skips the revoke (one long-running operation less) for a snapshot just listed without an active SAS.
 */
export async function deleteSnapshot(
  compute: ComputeAccess,
  ref: ComputeRef,
  options: { revoke?: boolean } = {},
): Promise<void> {
  if (options.revoke !== false) await revokeRead(compute, ref);
  await compute.call(`delete snapshot ${ref.name}`, ref.subscriptionId, (c) =>
    c.snapshots.beginDeleteAndWait(ref.resourceGroup, ref.name, compute.poll),
  );
}

/** The reference of a snapshot the SDK returned. */
export function refOfSnapshot(group: ResourceGroupRef, snapshot: Snapshot): ComputeRef {
  return snapshotRef(group, snapshot.name ?? "");
}

// Names of what a restore creates: the default target next to the source, the promoted and safety blobs
// in the backup container, run-store keys, snapshot tags and the target lease id. All deterministic, so
// a re-run step finds what an earlier attempt created.

import type { ComputeRef } from "../compute/resourceIds";
import { backupBlobNameOf, managedBackupBlobNameOf } from "../disks/identity";
import type { LockOwner } from "../lineage/locks";
import { leaseIdFor } from "../storage/lease";
import { runTag, TAG_RESTORE_RUN } from "../storage/tags";
import { type BlobLocation, blobIn } from "../storage/urls";
import type { CopyPhaseName, RestoreRun } from "./types";

/** Metadata on blobs a restore writes: which run (a re-run recognises its own blob; discovery skips it). */
export { TAG_RESTORE_RUN };

/** `vhds/disk1.vhd` restored from point P → `vhds/disk1-restore-P.vhd` in the same container. */
export function defaultTargetOf(source: BlobLocation, restorePointId: string): BlobLocation {
  const name = source.blobName ?? "";
  const slash = name.lastIndexOf("/");
  const dot = name.lastIndexOf(".");
  const [stem, ext] = dot > slash + 1 ? [name.slice(0, dot), name.slice(dot)] : [name, ""];
  return blobIn(source, `${stem}-restore-${restorePointId}${ext}`);
}

/** The promoted backup base blob of a restored disk: unique per restore, next to the other backup blobs. */
export function promotedBlobOf(
  backupContainer: BlobLocation,
  target: BlobLocation,
  newRestorePointId: string,
): BlobLocation {
  return blobIn(backupContainer, `${backupBlobNameOf(target)}.restore-${newRestorePointId}`);
}

/** The promoted backup base blob of a restored managed disk (next to its would-be backup blob). */
export function promotedDiskBlobOf(
  backupContainer: BlobLocation,
  target: ComputeRef,
  newRestorePointId: string,
): BlobLocation {
  return blobIn(backupContainer, `${managedBackupBlobNameOf(target)}.restore-${newRestorePointId}`);
}

/** The backup-account copy of an overwritten target's safety snapshot. */
export function safetyBlobOf(
  backupContainer: BlobLocation,
  target: BlobLocation,
  safetyRestorePointId: string,
): BlobLocation {
  return blobIn(backupContainer, `${backupBlobNameOf(target)}.safety-${safetyRestorePointId}`);
}

/** Run-store key (second level under `_runs/<disk>/`) of one copy phase of a restore. */
export function runKeyOf(newRestorePointId: string, phase: CopyPhaseName | "verify"): string {
  return `${newRestorePointId}.${phase}`;
}

export function restoreLeaseIdOf(targetDiskId: string, newRestorePointId: string): string {
  return leaseIdFor("restore", targetDiskId, newRestorePointId);
}

/** The lease a restore holds on the target's chain's backup blob while it writes it (safety, revert). */
export function chainLeaseIdOf(targetDiskId: string, newRestorePointId: string): string {
  return leaseIdFor("restore-chain", targetDiskId, newRestorePointId);
}

/** The target disk's lock as the restore holds it (a backup of that disk waits for it to end). */
export function lockOwnerOfRestore(run: Pick<RestoreRun, "newRestorePointId" | "runId">): LockOwner {
  return { kind: "restore", restorePointId: run.newRestorePointId, runId: run.runId };
}

/** Snapshot tags reuse the backup's, so the next backup of the new disk prunes its source snapshots. */
export { runTag as snapshotTagOf };

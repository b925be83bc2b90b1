// What a disk backup run owns while it writes, derived from its identity so every step (and every retry
// of a step) presents the same credentials: the disk's lock row and the backup blob's lease.
import type { LockOwner } from "../lineage/locks";
import { leaseIdFor } from "../storage/lease";
import type { DiskRunRef } from "./types";

/** The lease id the run holds on the backup blob while writing it. */
export function leaseIdOfRun(run: Pick<DiskRunRef, "diskId" | "restorePointId">): string {
  return leaseIdFor("backup", run.diskId, run.restorePointId);
}

/** The run as the holder of its disk's lock. */
export function lockOwnerOfRun(run: Pick<DiskRunRef, "restorePointId" | "runId">): LockOwner {
  return { kind: "backup", restorePointId: run.restorePointId, runId: run.runId };
}

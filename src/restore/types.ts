// The small, JSON-only payloads passed between the restoreDisk orchestration and its activities.
// Range lists live in the run store (src/copy/runStore.ts), but for a small copy's batches, which travel
// inline (bounded by MAX_INLINE_RANGES in all).
import type { Failure } from "../app/result";
import type { StoredBatch } from "../copy/runStore";

/** Input of the restoreDisk orchestration: a request already admitted (validated) by the HTTP API. */
export interface RestoreInput {
  /** Disk whose restore point is restored. */
  diskId: string;
  restorePointId: string;
  /** Blob URL of the new disk (already defaulted); for a managed disk target, its resource ID. */
  targetUrl: string;
  overwrite: boolean;
  /** A managed disk target (created by upload): where, and what kind of disk. */
  targetDisk?: TargetDiskSpec;
}

/** The managed disk a restore creates (src/restore/diskTarget.ts). */
export interface TargetDiskSpec {
  /** Its resource ID (also the run's `targetUrl`). */
  id: string;
  location: string;
  sku: string;
  osType?: string;
  hyperVGeneration?: string;
}

/**
 * The restore's copies and their run-store keys: the safety point, the restore (or revert) copy into the
 * target, and the promoted blob written beside a new managed disk ("promote"; a page blob's is promoted by
 * the service: promote.ts).
 */
export type CopyPhaseName = "safety" | "promote" | "restore" | "revert";

/** Input of the resolve step: the admitted request and the orchestration instance (the run id). */
export interface ResolveRestoreInput {
  input: RestoreInput;
  runId: string;
  /** The orchestration's start instant and a deterministic guid: the ids a retried resolve makes again. */
  startedAt: string;
  nonce: string;
}

/** A tagged snapshot of a blob the restore works on (found again by its tag when a step re-runs). */
export interface SnapshotInput {
  blobUrl: string;
  diskId: string;
  restorePointId: string;
  leaseId?: string;
  /** Extra metadata on the snapshot (a backup snapshot names its source snapshot). */
  metadata?: Record<string, string>;
}

/** A restore as fixed by the resolve step (ids, names, sizes); every later step works from it. */
export interface RestoreRun extends RestoreInput {
  runId: string;
  /** The restore point being restored: its backup snapshot is the data. */
  backupUrl: string;
  backupSnapshot: string;
  sizeBytes: number;
  targetDiskId: string;
  /** The target blob existed when the restore began (overwrite). */
  targetExisted: boolean;
  /** First restore point of the new disk's chain (kind `restored`). */
  newRestorePointId: string;
  startedAt: string;
  /** The promoted backup base blob in the backup account. */
  promotedUrl: string;
  /** Lease id this run holds on the target while writing it. */
  leaseId: string;
  /**
   * Only when an existing target is overwritten: its safety restore point, written to `blobUrl` (the
   * chain's backup blob when the target's chain is held, else a new safety blob).
   */
  safety: { restorePointId: string; startedAt: string; blobUrl: string } | null;
  /** Overwrite of a disk whose chain this app holds: the safety point is an incremental of that chain. */
  chain: HeldChain | null;
  /** The restore point is in that chain: it is restored by diff (only what differs is written). */
  revert: boolean;
}

/** The target's chain as the restore found it: its newest point and the backup blob it writes into. */
export interface HeldChain {
  backupUrl: string;
  restorePointId: string;
  sourceSnapshot: string;
  /** The lease this restore holds on the chain's backup blob while it writes it. */
  leaseId: string;
}

/** One sparse copy from a blob snapshot to a page blob. */
export interface CopyPhase {
  phase: CopyPhaseName;
  run: RestoreRun;
  sourceUrl: string;
  sourceSnapshot: string;
  destinationUrl: string;
  /**
   * safety (chain held): the diff base (the chain's newest source snapshot); revert: the safety point's
   * backup snapshot, diffed against the restore point's.
   */
  againstSnapshot?: string | undefined;
}

export interface PreparedCopy {
  sizeBytes: number;
  writeBytes: number;
  clearBytes: number;
  rangeCount: number;
  /** Bytes written per batch (index = batch number); ranges are in the run store, or inline. */
  batchBytes: number[];
  /** The batches' ranges, when few enough to travel in the history (nothing in the run store). */
  inlineBatches?: StoredBatch[];
  /** The only batch's ranges, as a copy prepared before inlineBatches said it (read, never written). */
  inlineBatch?: StoredBatch;
  /** Batches to run at once (the orchestration's fan-out window, from the tuning). */
  window: number;
  /** A safety point into a held chain: incremental, or full when the disk could not be diffed. */
  kind?: "full" | "incremental";
}

export interface CopyBatchInput {
  copy: CopyPhase;
  batch: number;
  /** This batch's ranges, when the prepared copy's travelled inline. */
  ranges?: StoredBatch;
  /** A call made again after one stopped at its time budget: it goes on from the batch's checkpoint. */
  resumed?: true;
}

/** The promotion of the restore point into the promoted blob (Copy Blob in the backup account). */
export interface PromoteInput {
  run: RestoreRun;
  /** Whether to wait for the service's copy to end (a copy still pending fails with CopyPending). */
  wait: boolean;
}

export interface PromoteResult {
  /** The service's copy is complete. */
  copied: boolean;
  /** The promoted blob's size, once copied. */
  bytes: number;
}

/** How a restore writes the target: everything (the point promoted beside the verification), or by diff (revert). */
export type RestoreMode = "full" | "revert";

/** Verification of one part of the new disk against the restore point's backup snapshot. */
export interface VerifyPartInput {
  run: RestoreRun;
  mode: RestoreMode;
  /**
   * A batch of the restore copy (compared with the restore point), or "layout":
   * the size, and what lies outside the copied ranges.
   */
  part: number | "layout";
  /** revert: the target's snapshot before it was overwritten (nothing outside the diff may differ from it). */
  beforeSnapshot?: string | undefined;
  /** revert: how many batches the revert copy stored (the layout reads their ranges). */
  batches?: number | undefined;
  /**
   * The part's batch of the restore copy, when it travelled inline (else its ranges are in the run store);
   * for a revert's layout, every batch's ranges together.
   */
  ranges?: StoredBatch | undefined;
  /** revert: what that inline batch's relay read, per operation (else its checkpoint holds them). */
  digests?: string[] | undefined;
  /** A call made again after one stopped at its time budget: it goes on from the part's checkpoint. */
  resumed?: true;
}

export interface VerifyPartResult {
  bytesCompared: number;
  chunks: number;
  /** SHA-256 over the chunk digests of this part, in offset order. */
  digest: string;
  /** false: the part stopped at its time budget (checkpointed) and is called again. */
  done: boolean;
  /**
   * A revert's layout: the disk's snapshot it checked (tagged with the new restore point), which the
   * completion records instead of looking it up again.
   */
  snapshot?: string;
}

export interface Verification {
  verified: boolean;
  method: string;
  bytesCompared: number;
  chunks: number;
  /** SHA-256 over the parts' digests (layout first, then batches in order). */
  digest: string;
}

export interface SafetyRecordInput {
  run: RestoreRun;
  targetSnapshot: string;
  safetySnapshot: string;
  copied: PreparedCopy;
}

export interface CompleteRestoreInput {
  run: RestoreRun;
  mode: RestoreMode;
  /** full: the promoted blob's snapshot; revert: null (complete snapshots the chain's backup blob). */
  promotedSnapshot: string | null;
  copied: PreparedCopy;
  /** Verified parts: layout first, then the restore batches in order. */
  verified: VerifyPartResult[];
}

export interface RestoreOutput {
  restoredDiskUrl: string;
  /** The new disk's id and the first restore point of its chain. */
  diskId: string;
  restorePointId: string;
  restoredFrom: { diskId: string; restorePointId: string };
  /** Safety restore point of the overwritten target, if any. */
  safetyRestorePointId: string | null;
  backupUrl: string;
  backupSnapshot: string;
  sourceSnapshot: string;
  verification: Verification;
}

export interface FailRestoreInput {
  run: RestoreRun;
  /** Why the restore failed; code `VerificationFailed` records the verification result as failed. */
  failure: Failure;
}

// The small, JSON-only payloads passed between the restoreDisk orchestration and its activities.
// Range lists never appear here: they live in the run store (src/copy/runStore.ts).
import type { Failure } from "../app/result";

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

/** Copies of the same blob family the restore reads from or writes to. */
export type CopyPhaseName = "safety" | "promote" | "restore";

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
  /** Only when an existing target is overwritten: its safety restore point. */
  safety: { restorePointId: string; startedAt: string; blobUrl: string } | null;
}

/** One sparse copy from a blob snapshot to a page blob. */
export interface CopyPhase {
  phase: CopyPhaseName;
  run: RestoreRun;
  sourceUrl: string;
  sourceSnapshot: string;
  destinationUrl: string;
}

export interface PreparedCopy {
  sizeBytes: number;
  writeBytes: number;
  clearBytes: number;
  rangeCount: number;
  /** Bytes written per batch (index = batch number); ranges are in the run store. */
  batchBytes: number[];
  /** Batches to run at once (the orchestration's fan-out window, from the tuning). */
  window: number;
}

export interface CopyBatchInput {
  copy: CopyPhase;
  batch: number;
}

/** Verification of one part of the new disk against the restore point's backup snapshot. */
export interface VerifyPartInput {
  run: RestoreRun;
  /** A batch of the restore copy, or "layout": size and the ranges allocated on one side only. */
  part: number | "layout";
}

export interface VerifyPartResult {
  bytesCompared: number;
  chunks: number;
  /** SHA-256 over the chunk digests of this part, in offset order. */
  digest: string;
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
  promotedSnapshot: string;
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

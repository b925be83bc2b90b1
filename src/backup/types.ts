// The small, JSON-only payloads passed between the backup orchestrations and their activities.
// Range lists live in the run store (src/copy/runStore.ts), but for a small run's batches, which travel
// inline (bounded by MAX_INLINE_RANGES in all).
import { inlineBatchesIn, type StoredBatch } from "../copy/runStore";
import type { RestorePoint } from "../lineage/restorePoint";

export type { BatchResult } from "../copy/batches";

export type BackupMode = "full" | "incremental";

/** Input of the backupDisk orchestration. */
export interface DiskBackupInput {
  diskId: string;
  sourceUrl: string;
  /** The backupRun instance id (recorded as `runId`). */
  runId: string;
  trigger: "timer" | "http";
}

/** Identity of one disk backup attempt, fixed by the orchestration (deterministic). */
export interface DiskRunRef {
  diskId: string;
  sourceUrl: string;
  runId: string;
  restorePointId: string;
  startedAt: string;
}

export interface BeginResult extends DiskRunRef {
  sourceSnapshot: string;
  sizeBytes: number;
  backupUrl: string;
  mode: BackupMode;
  reason: string | null;
  parentRestorePointId: string | null;
  /** The source snapshot of the previous restore point: the diff base. */
  prevSourceSnapshot: string | null;
  /**
   * Page blobs: this disk's source snapshots older than `sourceSnapshot` when it was taken, which the
   * completion deletes (absent: a result of an older build, or too many; the completion lists them).
   */
  olderSourceSnapshots?: string[];
  /** Managed disks only (src/backup/managedBegin.ts): what the lineage and the source side need. */
  managed?: ManagedRun;
  /**
   * An incremental's backup blob as the chain check read it: the plan takes it as current when its lease
   * answers with the same ETag (nothing written since), instead of reading it again. Absent: read it.
   */
  backupBlob?: SeenBackupBlob;
}

/** A backup blob's properties as one read saw them; `etag` tells whether they are still current. */
export interface SeenBackupBlob {
  etag: string;
  sizeBytes: number;
  metadata: Record<string, string>;
}

/**
 * A managed disk's run: its snapshot (whose timeCreated is `sourceSnapshot`, the data's time) and the
 * previous point's (the diff base). Their SAS URLs are credentials: they live in the run store, never
 * in a payload.
 */
export interface ManagedRun {
  sourceResourceId: string;
  sourceUniqueId: string;
  snapshotResourceId: string;
  prevSnapshotResourceId: string | null;
  /** The disk's size without the VHD footer (the backup blob is 512 bytes longer). */
  diskSizeBytes: number;
  /** JSON of SourceDiskFacts (src/lineage/restorePoint.ts). */
  sourceDisk: string;
}

export interface PlanResult {
  mode: BackupMode;
  reason: string | null;
  sizeBytes: number;
  changedBytes: number;
  /** Unchanged bytes written along with small changes to save requests (bridged gaps; in batchBytes). */
  bridgedBytes: number;
  clearedBytes: number;
  rangeCount: number;
  /** Bytes to write per batch (index = batch number); the ranges are in the run store, or inline. */
  batchBytes: number[];
  /** The batches' ranges, when few enough to travel in the history (nothing in the run store). */
  inlineBatches?: StoredBatch[];
  /** The only batch's ranges, as a plan recorded before inlineBatches said it (read, never written). */
  inlineBatch?: StoredBatch;
  /** Copy batches to run at once (the orchestration's fan-out window). */
  window: number;
  listRequests: number;
  /**
   * The backup blob's metadata as the plan left it under the run's lease (only this run writes it until
   * the completion): the completion stamps from it instead of reading it again. Absent: read it.
   */
  backupMetadata?: Record<string, string>;
}

export interface CopyBatchInput {
  run: BeginResult;
  batch: number;
  /** This batch's ranges, when the plan's travelled inline. */
  ranges?: StoredBatch;
  /** A call made again after one stopped at its time budget: it goes on from the batch's checkpoint. */
  resumed?: true;
}

/** The copy steps of a plan, one per batch (pure: the orchestration builds them). */
export function copyBatchInputs(run: BeginResult, plan: PlanResult): CopyBatchInput[] {
  const inline = inlineBatchesIn(plan);
  return plan.batchBytes.map((_, batch) => {
    const ranges = inline?.[batch];
    return { run, batch, ...(ranges ? { ranges } : {}) };
  });
}

export interface CompleteInput {
  run: BeginResult;
  plan: PlanResult;
}

export interface FailInput {
  run: DiskRunRef & Partial<BeginResult>;
  mode: BackupMode | null;
  reason: string;
}

export type DiskOutcome =
  | { diskId: string; status: "completed"; restorePoint: RestorePoint; bytesCopied: number }
  | { diskId: string; status: "failed"; code: string; reason: string; restorePointId: string | null }
  | { diskId: string; status: "skipped"; code?: string; reason: string }
  /** The run stopped waiting (its wait limit); the disk's backup goes on and records its own result. */
  | { diskId: string; status: "running"; reason: string };

export interface BackupRunInput {
  disks?: string[];
  trigger: "timer" | "http";
}

export interface BackupRunOutput {
  runId: string;
  trigger: "timer" | "http";
  startedAt: string;
  completedAt: string;
  disks: DiskOutcome[];
}

/** What the parent learns before starting children: which disks to back up, which to skip. */
export interface ResolvedDisks {
  disks: Array<{ diskId: string; sourceUrl: string }>;
  skipped: Array<{ diskId: string; reason: string }>;
  unknown: string[];
  /** How long the run waits for its disks before it reports the rest as still running. */
  waitLimitMs: number;
}

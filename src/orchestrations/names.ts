// The procedures (orchestrations), their steps (activities) and each step's payloads, in one place: the
// only link between an orchestrator and the functions that run its steps (orchestrators never import
// activity code). A step's key is its activity name; its type says what goes in and what comes back.
import type { Progress } from "../app/progress";
import type {
  BatchResult,
  BeginResult,
  CompleteInput,
  CopyBatchInput,
  DiskOutcome,
  DiskRunRef,
  FailInput,
  PlanResult,
  ResolvedDisks,
} from "../backup/types";
import type { RestorePoint } from "../lineage/restorePoint";
import type {
  CompleteRestoreInput,
  CopyPhase,
  FailRestoreInput,
  PreparedCopy,
  PromoteInput,
  PromoteResult,
  ResolveRestoreInput,
  CopyBatchInput as RestoreBatchInput,
  RestoreOutput,
  RestoreRun,
  SafetyRecordInput,
  SnapshotInput,
  VerifyPartInput,
  VerifyPartResult,
} from "../restore/types";
import type { PointOutcome, RetentionApplyInput, RetentionDisks, RetentionPlan } from "../retention/types";
import type {
  ComparePartInput,
  PartResult,
  PlanOutcome,
  RecordInput,
  VerificationRecord,
  VerifyInput,
} from "../verification/types";

export const BACKUP_RUN = "backupRun";
export const BACKUP_DISK = "backupDisk";
export const RESTORE_DISK = "restoreDisk";
export const RETENTION_RUN = "retentionRun";
export const VERIFY_RESTORE_POINT = "verifyRestorePoint";

/** What an orchestrator sends a step, and what the step gives back when it succeeds. */
export interface Step<In, Out> {
  input: In;
  output: Out;
}

/** Steps of a backup run (`backupRun`) and of one disk's backup (`backupDisk`), in procedure order. */
export interface BackupSteps {
  resolveBackupDisks: Step<{ disks?: string[] | undefined }, ResolvedDisks>;
  backupProgress: Step<{ instanceIds: string[] }, Progress>;
  beginDiskBackup: Step<DiskRunRef, BeginResult>;
  planDiskBackup: Step<BeginResult, PlanResult>;
  copyBackupBatch: Step<CopyBatchInput, BatchResult>;
  completeDiskBackup: Step<CompleteInput, RestorePoint>;
  failDiskBackup: Step<FailInput, RestorePoint>;
  /** Tells the run (the parent) that this disk's backup ended, so the run ends without polling. */
  notifyBackupRun: Step<{ runId: string; outcome: DiskOutcome }, null>;
}

/** The event a disk backup raises to its run when it ends (payload `{ outcome }`). */
export const DISK_BACKUP_ENDED = "diskBackupEnded";

/** Steps of a restore (`restoreDisk`), in procedure order. */
export interface RestoreSteps {
  restoreResolve: Step<ResolveRestoreInput, RestoreRun>;
  restoreSnapshot: Step<SnapshotInput, string>;
  restorePrepareCopy: Step<CopyPhase, PreparedCopy>;
  restoreCopyBatch: Step<RestoreBatchInput, BatchResult>;
  restoreRecordSafety: Step<SafetyRecordInput, RestorePoint>;
  /** A page blob target: the service copies the restore point into the promoted blob (started, then awaited). */
  restorePromote: Step<PromoteInput, PromoteResult>;
  restoreVerify: Step<VerifyPartInput, VerifyPartResult>;
  restoreComplete: Step<CompleteRestoreInput, RestoreOutput>;
  restoreFail: Step<FailRestoreInput, null>;
  /** A managed disk target only: create it for upload and grant write (before the copy). */
  restoreCreateDisk: Step<RestoreRun, null>;
  /** A managed disk target only: the fixed-VHD footer on the new disk and the promoted blob (after the copy). */
  restoreWriteFooter: Step<RestoreRun, null>;
}

/** Steps of retention (`retentionRun`, and after each disk backup), in procedure order. */
export interface RetentionSteps {
  retentionDisks: Step<{ disks?: string[] | undefined }, RetentionDisks>;
  retentionPlan: Step<{ diskId: string }, RetentionPlan>;
  retentionApply: Step<RetentionApplyInput, PointOutcome[]>;
}

/** Steps of a verification of one restore point (`verifyRestorePoint`, and after each disk backup). */
export interface VerificationSteps {
  /** Plans the window; a small window comes back compared and recorded as well (`recorded`). */
  verifyPlan: Step<VerifyInput, PlanOutcome>;
  verifyCompare: Step<ComparePartInput, PartResult>;
  verifyRecord: Step<RecordInput, VerificationRecord>;
}

/**
 * A disk's backup in a run: unique per run, because the engines do not refuse a second start of a running
 * id (Azure Storage replaces the running instance). One writer per disk comes from the disk lock instead.
 */
export function diskBackupInstanceId(diskId: string, runId: string): string {
  return `backup:${diskId}:${runId}`;
}

/** Instance id of scheduled runs: fixed, so a tick can see whether the previous one is still running. */
export const SCHEDULED_RUN_INSTANCE_ID = "backup-run-scheduled";

// Backup activity bodies: each is one idempotent step of a disk backup, delegating to src/backup.
// The functions layer registers them and supplies the durable-instance lookup where one is needed.
import { beginDiskBackup } from "../backup/begin";
import { completeDiskBackup, failDiskBackup } from "../backup/complete";
import { backupContextFromEnv } from "../backup/context";
import { copyBackupBatch } from "../backup/copyBatch";
import { planDiskBackup } from "../backup/plan";
import { collectProgress, type InstanceLookup, resolveBackupDisks } from "../backup/resolve";
import type {
  BackupProgress,
  BatchResult,
  BeginResult,
  CompleteInput,
  CopyBatchInput,
  DiskRunRef,
  FailInput,
  PlanResult,
  ResolvedDisks,
} from "../backup/types";
import type { RestorePoint } from "../lineage/restorePoint";
import { diskBackupInstanceId } from "../orchestrations/names";

export function resolveBackupDisksActivity(
  input: { disks?: string[] | undefined } | undefined,
  lookup: InstanceLookup,
): Promise<ResolvedDisks> {
  return resolveBackupDisks(backupContextFromEnv(), input?.disks, diskBackupInstanceId, lookup);
}

export function backupProgressActivity(
  input: { instanceIds: string[] },
  lookup: InstanceLookup,
): Promise<BackupProgress> {
  return collectProgress(input.instanceIds, lookup);
}

export function beginDiskBackupActivity(input: DiskRunRef): Promise<BeginResult> {
  return beginDiskBackup(backupContextFromEnv(), input);
}

export function planDiskBackupActivity(input: BeginResult): Promise<PlanResult> {
  return planDiskBackup(backupContextFromEnv(), input);
}

export function copyBackupBatchActivity(input: CopyBatchInput): Promise<BatchResult> {
  return copyBackupBatch(backupContextFromEnv(), input);
}

export function completeDiskBackupActivity(input: CompleteInput): Promise<RestorePoint> {
  return completeDiskBackup(backupContextFromEnv(), input);
}

export function failDiskBackupActivity(input: FailInput): Promise<RestorePoint> {
  return failDiskBackup(backupContextFromEnv(), input);
}

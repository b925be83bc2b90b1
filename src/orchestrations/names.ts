// Names of the backup orchestrations and activities: the only link between orchestrators and the
// functions that run their steps (orchestrators never import activity code).

export const BACKUP_RUN = "backupRun";
export const BACKUP_DISK = "backupDisk";

export const RESOLVE_BACKUP_DISKS = "resolveBackupDisks";
export const BEGIN_DISK_BACKUP = "beginDiskBackup";
export const PLAN_DISK_BACKUP = "planDiskBackup";
export const COPY_BACKUP_BATCH = "copyBackupBatch";
export const COMPLETE_DISK_BACKUP = "completeDiskBackup";
export const FAIL_DISK_BACKUP = "failDiskBackup";
export const BACKUP_PROGRESS = "backupProgress";

/** One backup per disk at a time: the disk's sub-orchestration always has this instance id. */
export function diskBackupInstanceId(diskId: string): string {
  return `backup:${diskId}`;
}

/** Instance id of scheduled runs: fixed, so a tick can see whether the previous one is still running. */
export const SCHEDULED_RUN_INSTANCE_ID = "backup-run-scheduled";

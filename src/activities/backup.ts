// The backup steps' bodies: one idempotent step each, delegating to src/backup. Registered by
// src/functions/backupOrchestration.ts and run in process by src/direct/backup.ts.
import { beginDiskBackup } from "../backup/begin";
import { completeDiskBackup, failDiskBackup } from "../backup/complete";
import { copyBackupBatch } from "../backup/copyBatch";
import { planDiskBackup } from "../backup/plan";
import { collectProgress, resolveBackupDisks } from "../backup/resolve";
import { type BackupSteps, DISK_BACKUP_ENDED } from "../orchestrations/names";
import type { ActivityTable } from "./table";

export const backupActivities: ActivityTable<BackupSteps> = {
  resolveBackupDisks: ({ app }, input) => resolveBackupDisks(app, input?.disks),
  backupProgress: ({ durable }, input) => collectProgress(input.instanceIds, durable.status),
  beginDiskBackup: ({ app }, input) => beginDiskBackup(app, input),
  planDiskBackup: ({ app }, input) => planDiskBackup(app, input),
  copyBackupBatch: ({ app }, input) => copyBackupBatch(app, input),
  completeDiskBackup: ({ app }, input) => completeDiskBackup(app, input),
  failDiskBackup: ({ app }, input) => failDiskBackup(app, input),
  notifyBackupRun: async ({ durable }, { runId, outcome }) => {
    await durable.raiseEvent(runId, DISK_BACKUP_ENDED, { outcome });
    return null;
  },
};

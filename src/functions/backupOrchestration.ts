// Registers the backup orchestrations and their activities with the Durable Functions runtime.
import type { InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import {
  backupProgressActivity,
  beginDiskBackupActivity,
  completeDiskBackupActivity,
  copyBackupBatchActivity,
  failDiskBackupActivity,
  planDiskBackupActivity,
  resolveBackupDisksActivity,
} from "../activities/backup";
import type { InstanceLookup } from "../backup/resolve";
import type { BeginResult, CompleteInput, CopyBatchInput, DiskRunRef, FailInput } from "../backup/types";
import { backupDiskOrchestrator } from "../orchestrations/backupDisk";
import { backupRunOrchestrator } from "../orchestrations/backupRun";
import {
  BACKUP_DISK,
  BACKUP_PROGRESS,
  BACKUP_RUN,
  BEGIN_DISK_BACKUP,
  COMPLETE_DISK_BACKUP,
  COPY_BACKUP_BATCH,
  FAIL_DISK_BACKUP,
  PLAN_DISK_BACKUP,
  RESOLVE_BACKUP_DISKS,
} from "../orchestrations/names";
import { validateSettingsAtStartup } from "./startup";

validateSettingsAtStartup();

/**
 * Instance status through the durable client bound to this invocation (v3 getStatus throws on 404).
 * Without a client binding (a host that does not bind one to activities) nothing is known: no disk is
 * reported busy up front (the sub-orchestration conflict still reports it skipped) and progress stays 0.
 */
function lookupFor(context: InvocationContext): InstanceLookup {
  let client: df.DurableClient;
  try {
    client = df.getClient(context);
  } catch (error) {
    context.warn(`no durable client bound to ${context.functionName}: ${(error as Error).message}`);
    return async () => undefined;
  }
  return async (instanceId) => {
    try {
      const status = await client.getStatus(instanceId);
      return { runtimeStatus: status.runtimeStatus, customStatus: status.customStatus };
    } catch {
      return undefined;
    }
  };
}

df.app.orchestration(BACKUP_RUN, backupRunOrchestrator);
df.app.orchestration(BACKUP_DISK, backupDiskOrchestrator);

df.app.activity(RESOLVE_BACKUP_DISKS, {
  extraInputs: [df.input.durableClient()],
  handler: (input: { disks?: string[] } | undefined, context) =>
    resolveBackupDisksActivity(input, lookupFor(context)),
});
df.app.activity(BACKUP_PROGRESS, {
  extraInputs: [df.input.durableClient()],
  handler: (input: { instanceIds: string[] }, context) => backupProgressActivity(input, lookupFor(context)),
});
df.app.activity(BEGIN_DISK_BACKUP, { handler: (input: DiskRunRef) => beginDiskBackupActivity(input) });
df.app.activity(PLAN_DISK_BACKUP, { handler: (input: BeginResult) => planDiskBackupActivity(input) });
df.app.activity(COPY_BACKUP_BATCH, { handler: (input: CopyBatchInput) => copyBackupBatchActivity(input) });
df.app.activity(COMPLETE_DISK_BACKUP, {
  handler: (input: CompleteInput) => completeDiskBackupActivity(input),
});
df.app.activity(FAIL_DISK_BACKUP, { handler: (input: FailInput) => failDiskBackupActivity(input) });

// backupDisk: one disk's backup, as in DESIGN §2/§4: begin (snapshot source, full or incremental) → plan
// (ranges stored outside the history, small batch list back) → copy batches in windows → complete
// (restore point, lineage, prune). Any failure is recorded and returned, never thrown to the parent.

import type { OrchestrationContext, OrchestrationHandler, Task } from "durable-functions";
import type {
  BackupProgress,
  BatchResult,
  BeginResult,
  DiskBackupInput,
  DiskOutcome,
  DiskRunRef,
  PlanResult,
} from "../backup/types";
import type { RestorePoint } from "../lineage/restorePoint";
import { restorePointIdOf } from "../lineage/restorePoint";
import { activityRetry, reasonOf } from "./failures";
import {
  BEGIN_DISK_BACKUP,
  COMPLETE_DISK_BACKUP,
  COPY_BACKUP_BATCH,
  FAIL_DISK_BACKUP,
  PLAN_DISK_BACKUP,
} from "./names";

export const backupDiskOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = context.df.getInput<DiskBackupInput>();
  const startedAt = context.df.currentUtcDateTime.toISOString();
  const ref: DiskRunRef = {
    diskId: input.diskId,
    sourceUrl: input.sourceUrl,
    runId: input.runId,
    restorePointId: restorePointIdOf(startedAt, context.df.newGuid(context.df.instanceId)),
    startedAt,
  };
  const progress: BackupProgress = {
    phase: "begin",
    bytesTotal: 0,
    bytesDone: 0,
    batchesTotal: 0,
    batchesDone: 0,
  };
  const status = (phase: string) =>
    context.df.setCustomStatus({ ...progress, phase, restorePointId: ref.restorePointId });
  status("begin");
  let run: BeginResult | undefined;
  let plan: PlanResult | undefined;
  try {
    run = (yield context.df.callActivityWithRetry(BEGIN_DISK_BACKUP, activityRetry(), ref)) as BeginResult;
    status("plan");
    plan = (yield context.df.callActivityWithRetry(PLAN_DISK_BACKUP, activityRetry(), run)) as PlanResult;
    progress.bytesTotal = plan.changedBytes;
    progress.batchesTotal = plan.batchBytes.length;
    status("copy");
    const window = Math.max(1, plan.window);
    for (let first = 0; first < plan.batchBytes.length; first += window) {
      const tasks: Task[] = [];
      for (let batch = first; batch < Math.min(first + window, plan.batchBytes.length); batch++) {
        tasks.push(context.df.callActivityWithRetry(COPY_BACKUP_BATCH, activityRetry(), { run, batch }));
      }
      const results = (yield context.df.Task.all(tasks)) as BatchResult[];
      for (const r of results) progress.bytesDone += r.bytesCopied;
      progress.batchesDone += results.length;
      status("copy");
    }
    status("complete");
    const restorePoint = (yield context.df.callActivityWithRetry(COMPLETE_DISK_BACKUP, activityRetry(), {
      run,
      plan,
    })) as RestorePoint;
    status("completed");
    const outcome: DiskOutcome = {
      diskId: ref.diskId,
      status: "completed",
      restorePoint,
      bytesCopied: progress.bytesDone,
    };
    return outcome;
  } catch (error) {
    const reason = reasonOf(error);
    status("failing");
    try {
      yield context.df.callActivityWithRetry(FAIL_DISK_BACKUP, activityRetry(), {
        run: { ...ref, ...run },
        mode: plan?.mode ?? run?.mode ?? null,
        reason,
      });
    } catch (recordError) {
      context.log(`could not record the failure of ${ref.diskId}: ${reasonOf(recordError)}`);
    }
    status("failed");
    const outcome: DiskOutcome = {
      diskId: ref.diskId,
      status: "failed",
      reason,
      restorePointId: ref.restorePointId,
    };
    return outcome;
  }
};

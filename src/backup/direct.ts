// An in-process run of one disk backup through the same steps the backupDisk orchestration schedules
// (begin → plan → copy batches in windows → complete, or fail). For integration tests, benchmarks and
// tools; the deployed app runs the steps as durable activities instead.
import type { RestorePoint } from "../lineage/restorePoint";
import { messageOf } from "../storage/errors";
import { beginDiskBackup } from "./begin";
import { completeDiskBackup, failDiskBackup } from "./complete";
import type { BackupContext } from "./context";
import { copyBackupBatch } from "./copyBatch";
import { planDiskBackup } from "./plan";
import type { BatchResult, BeginResult, DiskRunRef, PlanResult } from "./types";

export interface DirectRunResult {
  status: "completed" | "failed";
  restorePoint: RestorePoint;
  begin?: BeginResult;
  plan?: PlanResult;
  batches: BatchResult[];
}

export async function runDiskBackupDirect(ctx: BackupContext, ref: DiskRunRef): Promise<DirectRunResult> {
  let begin: BeginResult | undefined;
  let plan: PlanResult | undefined;
  const batches: BatchResult[] = [];
  try {
    begin = await beginDiskBackup(ctx, ref);
    const run = begin;
    plan = await planDiskBackup(ctx, run);
    const indexes = plan.batchBytes.map((_, i) => i);
    for (let i = 0; i < indexes.length; i += ctx.tuning.batchWindow) {
      const window = indexes.slice(i, i + ctx.tuning.batchWindow);
      batches.push(...(await Promise.all(window.map((batch) => copyBackupBatch(ctx, { run, batch })))));
    }
    const restorePoint = await completeDiskBackup(ctx, { run, plan });
    return { status: "completed", restorePoint, begin, plan, batches };
  } catch (error) {
    const restorePoint = await failDiskBackup(ctx, {
      run: { ...ref, ...begin },
      mode: plan?.mode ?? begin?.mode ?? null,
      reason: messageOf(error),
    });
    return { status: "failed", restorePoint, begin, plan, batches };
  }
}

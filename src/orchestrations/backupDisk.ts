// backupDisk: one disk's backup, the numbered steps of the procedure (docs/architecture.md):
// 1. begin: take the disk, snapshot the source, decide full or incremental; 2. plan: list the ranges into
// the run store (a small change's inline), get small batch descriptors back; 3. copy the batches in windows; 4. complete: snapshot
// the backup blob (the restore point), record it, prune, release the disk; 5. tell the run it ended.
// A failure is recorded and returned, never thrown to the parent; a disk another run holds is skipped.
import { DISK_BUSY } from "../app/codes";
import { newProgress } from "../app/progress";
import {
  type BeginResult,
  copyBatchInputs,
  type DiskBackupInput,
  type DiskOutcome,
  type DiskRunRef,
  type PlanResult,
} from "../backup/types";
import { restorePointIdOf } from "../lineage/restorePoint";
import { afterBackup } from "./afterBackup";
import { failureOf } from "./failures";
import type { BackupSteps } from "./names";
import { markResumed, type ProcedureRuntime, type StepRunner, type Steps, stepsOf, windowsOf } from "./steps";

export function* backupDisk(runtime: ProcedureRuntime, input: DiskBackupInput): Steps<DiskOutcome> {
  const steps = stepsOf<BackupSteps>(runtime);
  const startedAt = runtime.now().toISOString();
  const ref: DiskRunRef = {
    diskId: input.diskId,
    sourceUrl: input.sourceUrl,
    runId: input.runId,
    restorePointId: restorePointIdOf(startedAt, runtime.newGuid()),
    startedAt,
  };
  const outcome = yield* backUp(runtime, steps, ref);
  try {
    yield* steps.call("notifyBackupRun", { runId: input.runId, outcome });
  } catch (error) {
    // The run still learns of the end from this orchestration's completion (or its poll).
    runtime.log(`could not tell run ${input.runId} that ${ref.diskId} ended: ${failureOf(error).message}`);
  }
  return outcome;
}

function* backUp(
  runtime: ProcedureRuntime,
  steps: StepRunner<BackupSteps>,
  ref: DiskRunRef,
): Steps<DiskOutcome> {
  const progress = newProgress("begin");
  const status = (phase: string) => {
    progress.phase = phase;
    runtime.setStatus({ ...progress, restorePointId: ref.restorePointId });
  };
  status("begin");
  let run: BeginResult | undefined;
  let plan: PlanResult | undefined;
  try {
    run = yield* steps.call("beginDiskBackup", ref);
    status("plan");
    plan = yield* steps.call("planDiskBackup", run);
    progress.bytesTotal = plan.changedBytes + plan.bridgedBytes;
    progress.batchesTotal = plan.batchBytes.length;
    status("copy");
    const batches = copyBatchInputs(run, plan);
    yield* steps.untilDone(
      "copyBackupBatch",
      windowsOf(batches, plan.window),
      (copied) => {
        progress.bytesDone += copied.bytesCopied;
        if (copied.done) progress.batchesDone++;
        status("copy");
      },
      markResumed,
    );
    status("complete");
    const restorePoint = yield* steps.call("completeDiskBackup", { run, plan });
    // 5. verify a share of the new point, then apply retention to the disk (never fails the backup).
    const after = yield* afterBackup(runtime, restorePoint, status);
    status("completed");
    return {
      diskId: ref.diskId,
      status: "completed",
      restorePoint,
      bytesCopied: progress.bytesDone,
      ...after,
    };
  } catch (error) {
    const failure = failureOf(error);
    if (failure.code === DISK_BUSY) {
      status("skipped");
      return { diskId: ref.diskId, status: "skipped", code: failure.code, reason: failure.message };
    }
    status("failing");
    try {
      yield* steps.call("failDiskBackup", {
        run: { ...ref, ...run },
        mode: plan?.mode ?? run?.mode ?? null,
        reason: failure.message,
      });
    } catch (recordError) {
      runtime.log(`could not record the failure of ${ref.diskId}: ${failureOf(recordError).message}`);
    }
    status("failed");
    return {
      diskId: ref.diskId,
      status: "failed",
      code: failure.code,
      reason: failure.message,
      restorePointId: ref.restorePointId,
    };
  }
}

// verifyRestorePoint: compare a restore point's backup snapshot with its source snapshot. 1. plan: list
// both snapshots' allocated ranges, choose the window (VERIFY_PERCENT, rotating; or the whole disk),
// store its chunks as parts (a small window's one part is compared and recorded by this step itself);
// 2. compare the parts in windows; 3. record the result on the restore point (a mismatch marks it
// suspect). Runs after each disk backup (afterBackup.ts) and on demand.
import { newProgress, type Progress } from "../app/progress";
import { SNAPSHOT_GONE, VERIFICATION_MISMATCH } from "../verification/codes";
import type { VerificationOutcome, VerificationRecord, VerifyInput, VerifyPlan } from "../verification/types";
import { failureOf } from "./failures";
import type { VerificationSteps } from "./names";
import { type ProcedureRuntime, type StepRunner, type Steps, stepsOf, windowsOf } from "./steps";

/** Steps 2 and 3 of a window whose parts are in the run store. */
function* compareAndRecord(
  steps: StepRunner<VerificationSteps>,
  plan: VerifyPlan,
  onProgress: (progress: Progress) => void,
): Steps<VerificationRecord> {
  const progress = progressOf(plan);
  onProgress(progress);
  const parts = Array.from({ length: plan.parts }, (_, part) => ({ plan, part }));
  const results = yield* steps.windows("verifyCompare", windowsOf(parts, plan.window), (part) => {
    progress.bytesDone += part.bytesCompared;
    progress.batchesDone++;
    onProgress(progress);
  });
  return yield* steps.call("verifyRecord", { plan, parts: results });
}

/** The compare phase's progress: none done yet, or all of it once `recorded`. */
function progressOf(plan: VerifyPlan, recorded?: VerificationRecord): Progress {
  const progress = newProgress("verify");
  progress.bytesTotal = plan.compareBytes;
  progress.batchesTotal = plan.parts;
  if (recorded) {
    progress.bytesDone = recorded.bytesCompared;
    progress.batchesDone = plan.parts;
  }
  return progress;
}

/** Verifies one restore point; never throws (a failure of the verification itself is in the outcome). */
export function* verifyPoint(
  runtime: ProcedureRuntime,
  input: VerifyInput,
  onProgress: (progress: Progress) => void = () => {},
): Steps<VerificationOutcome> {
  const steps = stepsOf<VerificationSteps>(runtime);
  const ids = { diskId: input.diskId, restorePointId: input.restorePointId };
  try {
    const planned = yield* steps.call("verifyPlan", input);
    if ("skipped" in planned) {
      runtime.log(`verification of ${ids.diskId}/${ids.restorePointId} skipped: ${planned.skipped}`);
      return { ...ids, status: "skipped", reason: planned.skipped };
    }
    const record = planned.recorded ?? (yield* compareAndRecord(steps, planned.plan, onProgress));
    if (planned.recorded) onProgress(progressOf(planned.plan, planned.recorded));
    if (record.mismatches === 0) return { ...ids, status: "verified", record };
    const first = record.mismatchRanges[0];
    const message =
      record.layoutMismatch ??
      `${record.mismatches} chunk(s) of the backup snapshot differ from the source snapshot, first at byte ${first?.firstDifference}; the restore point is marked suspect and the next backup of the disk will be full`;
    runtime.log(`error: verification of ${ids.diskId}/${ids.restorePointId}: ${message}`);
    return { ...ids, status: "mismatch", record, error: { code: VERIFICATION_MISMATCH, message } };
  } catch (error) {
    const failure = failureOf(error);
    if (failure.code === SNAPSHOT_GONE) return { ...ids, status: "skipped", reason: failure.message };
    runtime.log(`verification of ${ids.diskId}/${ids.restorePointId} failed: ${failure.message}`);
    return { ...ids, status: "failed", reason: failure.message, error: failure };
  }
}

/** The on-demand verification (POST /api/verifications) as its own orchestration. */
export function* verifyRestorePoint(
  runtime: ProcedureRuntime,
  input: VerifyInput,
): Steps<VerificationOutcome> {
  let progress = newProgress("plan");
  runtime.setStatus(progress);
  const outcome = yield* verifyPoint(runtime, input, (now) => {
    progress = now;
    runtime.setStatus(progress);
  });
  runtime.setStatus({ ...progress, phase: outcome.status });
  return outcome;
}

// retentionRun: apply the retention policy (RETENTION) to every disk, or some, or only report (dry run).
// Per disk: 1. plan: decide every restore point (keep, and by which rules) and list the actions;
// 2. apply them in bounded batches: put back `deleting` points that must stay, delete points (mark
// `deleting`, delete the backup snapshot, remove the row), remove failed rows older than 30 days. The
// apply step decides again before acting, so a plan gone stale never deletes what must be kept.
import type {
  DiskRetentionOutcome,
  RetentionApplyInput,
  RetentionRunInput,
  RetentionRunOutput,
} from "../retention/types";
import { failureOf } from "./failures";
import type { RetentionSteps } from "./names";
import { type ProcedureRuntime, type Steps, stepsOf, windowsOf } from "./steps";

/** Points per apply step, and apply steps at once. */
const POINTS_PER_STEP = 10;
const STEPS_AT_ONCE = 4;

function batchesOf(
  diskId: string,
  action: RetentionApplyInput["action"],
  ids: string[],
): RetentionApplyInput[] {
  return windowsOf(ids, POINTS_PER_STEP).map((restorePointIds) => ({ diskId, action, restorePointIds }));
}

/** One disk's retention pass; never throws (a failure is in the outcome). */
export function* retainDisk(
  runtime: ProcedureRuntime,
  input: { diskId: string; dryRun: boolean },
): Steps<DiskRetentionOutcome> {
  const steps = stepsOf<RetentionSteps>(runtime);
  const outcome: DiskRetentionOutcome = {
    diskId: input.diskId,
    status: "completed",
    dryRun: input.dryRun,
    policy: "",
    deleted: [],
    removed: [],
    unmarked: [],
    spared: [],
    kept: 0,
    remaining: 0,
  };
  try {
    const plan = yield* steps.call("retentionPlan", { diskId: input.diskId });
    Object.assign(outcome, { policy: plan.policy, kept: plan.kept, remaining: plan.remaining });
    if (input.dryRun) {
      Object.assign(outcome, { deleted: plan.delete, removed: plan.remove, unmarked: plan.unmark });
      return outcome;
    }
    // Putting back comes first: a point a restore needs is safe before anything is deleted.
    const batches = [
      ...batchesOf(input.diskId, "unmark", plan.unmark),
      ...batchesOf(input.diskId, "delete", plan.delete),
      ...batchesOf(input.diskId, "remove", plan.remove),
    ];
    const results = yield* steps.windows("retentionApply", windowsOf(batches, STEPS_AT_ONCE));
    for (const point of results.flat()) {
      if (point.result === "deleted") outcome.deleted.push(point.restorePointId);
      else if (point.result === "removed") outcome.removed.push(point.restorePointId);
      else if (point.result === "unmarked") outcome.unmarked.push(point.restorePointId);
      else outcome.spared.push({ restorePointId: point.restorePointId, reason: point.reason ?? "kept" });
    }
    return outcome;
  } catch (error) {
    const failure = failureOf(error);
    runtime.log(`retention of ${input.diskId} failed: ${failure.message}`);
    return { ...outcome, status: "failed", error: failure };
  }
}

export function* retentionRun(
  runtime: ProcedureRuntime,
  input: RetentionRunInput,
): Steps<RetentionRunOutput> {
  const steps = stepsOf<RetentionSteps>(runtime);
  const startedAt = runtime.now().toISOString();
  const dryRun = input.dryRun === true;
  runtime.setStatus({ phase: "resolving", disksTotal: 0, disksDone: 0 });
  const resolved = yield* steps.call("retentionDisks", { disks: input.disks });
  const disks: DiskRetentionOutcome[] = resolved.unknown.map((diskId) => ({
    diskId,
    status: "failed",
    dryRun,
    policy: "",
    deleted: [],
    removed: [],
    unmarked: [],
    spared: [],
    kept: 0,
    remaining: 0,
    error: { code: "DiskNotFound", message: `unknown disk ${diskId}` },
  }));
  for (const [done, diskId] of resolved.disks.entries()) {
    runtime.setStatus({ phase: "retention", disksTotal: resolved.disks.length, disksDone: done, diskId });
    disks.push(yield* retainDisk(runtime, { diskId, dryRun }));
  }
  runtime.setStatus({
    phase: "completed",
    disksTotal: resolved.disks.length,
    disksDone: resolved.disks.length,
  });
  return {
    runId: runtime.instanceId,
    trigger: input.trigger,
    dryRun,
    startedAt,
    completedAt: runtime.now().toISOString(),
    disks,
  };
}

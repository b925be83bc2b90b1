// backupRun: the parent of one backup window (timer or HTTP). Resolves the disks, starts one backupDisk
// sub-orchestration per disk (`backup:<diskId>`; a disk already being backed up is skipped), reports
// aggregated progress while they run, and returns a per-disk summary. One disk never fails the others.
import type { OrchestrationContext, OrchestrationHandler, Task, TimerTask } from "durable-functions";
import { newProgress } from "../app/progress";
import type { BackupRunInput, BackupRunOutput, DiskOutcome } from "../backup/types";
import { durableRuntime } from "./durableRuntime";
import { failureOf } from "./failures";
import { BACKUP_DISK, type BackupSteps, diskBackupInstanceId } from "./names";
import { type StepRunner, type Steps, stepsOf } from "./steps";

const FIRST_POLL_MS = 2000;
/**
 * The parent only wakes on its poll timer (see waitWithProgress), so the poll interval is also the delay
 * between the last disk finishing and the run reporting done: short while the run is young, longer after.
 */
const SHORT_POLL_MS = 5_000;
const LONG_POLL_MS = 30_000;
const SHORT_POLLS = 120;
/** Bounds the parent's history on very long runs; after this, progress is only updated per disk. */
const MAX_POLLS = 200;

interface Child {
  diskId: string;
  task: Task;
}

/**
 * Waits for every child while polling their progress on a durable timer. A task already yielded must never
 * be put into a new Task.any/Task.all (durable-js would schedule it again), so the children are grouped
 * once, raced once against the first timer, and afterwards only fresh timers are yielded.
 */
function* waitWithProgress(
  context: OrchestrationContext,
  steps: StepRunner<BackupSteps>,
  children: Child[],
  instanceIds: string[],
  disksTotal: number,
): Steps<void> {
  const all = context.df.Task.all(children.map((c) => c.task));
  const settled = () => all.isCompleted || all.isFaulted;
  let pollMs = FIRST_POLL_MS;
  let timer: TimerTask = context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + pollMs));
  const first = yield context.df.Task.any([all, timer]);
  if (first !== timer) timer.cancel();
  for (let polls = 1; !settled() && polls <= MAX_POLLS; polls++) {
    const live = yield* steps.call("backupProgress", { instanceIds });
    const disksDone = children.filter((c) => c.task.isCompleted || c.task.isFaulted).length;
    context.df.setCustomStatus({ ...live, phase: "backing-up", disksTotal, disksDone });
    if (settled()) break;
    pollMs = Math.min(polls < SHORT_POLLS ? SHORT_POLL_MS : LONG_POLL_MS, pollMs * 2);
    timer = context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + pollMs));
    yield timer;
  }
  // Already-scheduled tasks may be yielded on their own: this waits without scheduling anything new.
  for (const child of children) {
    try {
      yield child.task;
    } catch {
      // a failed child is reported by outcomeOf
    }
  }
}

/** A disk backup returns its outcome as data; only an engine-level failure faults the child's task. */
function outcomeOf(child: Child): DiskOutcome {
  if (!child.task.isFaulted) return child.task.result as DiskOutcome;
  const { code, message } = failureOf(child.task.result);
  return { diskId: child.diskId, status: "failed", code, reason: message, restorePointId: null };
}

export const backupRunOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const raw = context.df.getInput<BackupRunInput | "" | undefined>();
  const input: BackupRunInput = raw && typeof raw === "object" ? raw : { trigger: "http" };
  const steps = stepsOf<BackupSteps>(durableRuntime(context));
  const startedAt = context.df.currentUtcDateTime.toISOString();
  const progress = newProgress("resolving");
  context.df.setCustomStatus(progress);

  const resolved = yield* steps.call("resolveBackupDisks", { disks: input.disks });
  const outcomes: DiskOutcome[] = [
    ...resolved.skipped.map((s): DiskOutcome => ({ diskId: s.diskId, status: "skipped", reason: s.reason })),
    ...resolved.unknown.map(
      (id): DiskOutcome => ({
        diskId: id,
        status: "failed",
        code: "DiskNotFound",
        reason: "unknown disk",
        restorePointId: null,
      }),
    ),
  ];
  const children: Child[] = resolved.disks.map((d) => ({
    diskId: d.diskId,
    task: context.df.callSubOrchestrator(
      BACKUP_DISK,
      { diskId: d.diskId, sourceUrl: d.sourceUrl, runId: context.df.instanceId, trigger: input.trigger },
      diskBackupInstanceId(d.diskId),
    ),
  }));
  const disksTotal = children.length;
  context.df.setCustomStatus({ ...progress, phase: "backing-up", disksTotal, disksDone: 0 });

  const instanceIds = children.map((c) => diskBackupInstanceId(c.diskId));
  if (children.length > 0) yield* waitWithProgress(context, steps, children, instanceIds, disksTotal);

  outcomes.push(...children.map(outcomeOf));
  const output: BackupRunOutput = {
    runId: context.df.instanceId,
    trigger: input.trigger,
    startedAt,
    completedAt: context.df.currentUtcDateTime.toISOString(),
    disks: outcomes,
  };
  const final = children.length > 0 ? yield* steps.call("backupProgress", { instanceIds }) : progress;
  context.df.setCustomStatus({ ...final, phase: "completed", disksTotal, disksDone: disksTotal });
  return output;
};

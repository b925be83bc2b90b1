// backupRun: the parent of one backup window (timer or HTTP). Resolves the disks, starts one backupDisk
// sub-orchestration per disk (`backup:<diskId>`; a disk already being backed up is skipped), reports
// aggregated progress while they run, and returns a per-disk summary. One disk never fails the others.
import type { OrchestrationContext, OrchestrationHandler, Task, TimerTask } from "durable-functions";
import type {
  BackupProgress,
  BackupRunInput,
  BackupRunOutput,
  DiskOutcome,
  ResolvedDisks,
} from "../backup/types";
import { reasonOf } from "./failures";
import { BACKUP_DISK, BACKUP_PROGRESS, diskBackupInstanceId, RESOLVE_BACKUP_DISKS } from "./names";

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
  children: Child[],
  instanceIds: string[],
  disksTotal: number,
): Generator<Task, void, unknown> {
  const all = context.df.Task.all(children.map((c) => c.task));
  const settled = () => all.isCompleted || all.isFaulted;
  let pollMs = FIRST_POLL_MS;
  let timer: TimerTask = context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + pollMs));
  const first = yield context.df.Task.any([all, timer]);
  if (first !== timer) timer.cancel();
  for (let polls = 1; !settled() && polls <= MAX_POLLS; polls++) {
    const live = (yield context.df.callActivity(BACKUP_PROGRESS, { instanceIds })) as BackupProgress;
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

function outcomeOf(child: Child): DiskOutcome {
  if (!child.task.isFaulted) return child.task.result as DiskOutcome;
  const reason = reasonOf(child.task.result);
  return /already (exists|running)|is running/i.test(reason)
    ? {
        diskId: child.diskId,
        status: "skipped",
        reason: `a backup of this disk is already running (${reason})`,
      }
    : { diskId: child.diskId, status: "failed", reason, restorePointId: null };
}

export const backupRunOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const raw = context.df.getInput<BackupRunInput | "" | undefined>();
  const input: BackupRunInput = raw && typeof raw === "object" ? raw : { trigger: "http" };
  const startedAt = context.df.currentUtcDateTime.toISOString();
  const progress: BackupProgress = {
    phase: "resolving",
    bytesTotal: 0,
    bytesDone: 0,
    batchesTotal: 0,
    batchesDone: 0,
  };
  context.df.setCustomStatus(progress);

  const resolved = (yield context.df.callActivity(RESOLVE_BACKUP_DISKS, {
    disks: input.disks,
  })) as ResolvedDisks;
  const outcomes: DiskOutcome[] = [
    ...resolved.skipped.map((s): DiskOutcome => ({ diskId: s.diskId, status: "skipped", reason: s.reason })),
    ...resolved.unknown.map(
      (id): DiskOutcome => ({ diskId: id, status: "failed", reason: "unknown disk", restorePointId: null }),
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
  if (children.length > 0) yield* waitWithProgress(context, children, instanceIds, disksTotal);

  outcomes.push(...children.map(outcomeOf));
  const output: BackupRunOutput = {
    runId: context.df.instanceId,
    trigger: input.trigger,
    startedAt,
    completedAt: context.df.currentUtcDateTime.toISOString(),
    disks: outcomes,
  };
  const final =
    children.length > 0
      ? ((yield context.df.callActivity(BACKUP_PROGRESS, { instanceIds })) as BackupProgress)
      : progress;
  context.df.setCustomStatus({ ...final, phase: "completed", disksTotal, disksDone: disksTotal });
  return output;
};

// backupRun: the parent of one backup window (timer or HTTP). 1. resolve the disks (a disk another run
// holds is skipped); 2. start one backupDisk per disk (an id unique to this run); 3. wait for them, woken
// by each disk's "ended" event and by a progress poll, never longer than the run's wait limit; 4. return
// a per-disk summary. One disk never fails the others; a disk still going at the limit is reported running.
import type { OrchestrationContext, OrchestrationHandler, Task } from "durable-functions";
import { newProgress } from "../app/progress";
import type { BackupRunInput, BackupRunOutput, DiskOutcome } from "../backup/types";
import { durableRuntime } from "./durableRuntime";
import { failureOf } from "./failures";
import { BACKUP_DISK, type BackupSteps, DISK_BACKUP_ENDED, diskBackupInstanceId } from "./names";
import { type StepRunner, type Steps, stepsOf } from "./steps";

/** Progress polls start often and thin out, so a long run's history stays small. */
const POLL_MS = [2_000, 5_000, 5_000, 10_000, 30_000, 60_000, 300_000] as const;

interface Child {
  diskId: string;
  instanceId: string;
  task: Task;
}

const ended = (child: Child) => child.task.isCompleted || child.task.isFaulted;

/** Outcomes the disks reported by their "ended" event (it arrives before the child's own completion). */
type Reported = Map<string, DiskOutcome>;
const known = (child: Child, reported: Reported) => ended(child) || reported.has(child.diskId);

/**
 * Waits until every child ended or the deadline passed. The children's tasks are yielded once (that
 * schedules them); afterwards only fresh tasks are yielded: a "disk ended" wait or the next poll timer,
 * whichever comes first (a task already yielded must not go into a new Task.any: durable-js would
 * schedule it again). A child's completion updates its task even while other tasks are awaited.
 *
 * An event goes to the newest open wait for its name, and a wait that lost to the timer stays open: an
 * event that lands while the run polls progress completes that old wait. So every wait is kept until it
 * completed and read after each yield; reading only the winner would leave the run asleep until its next
 * poll (seconds to minutes) after its last disk ended.
 */
function* waitForChildren(
  context: OrchestrationContext,
  steps: StepRunner<BackupSteps>,
  children: Child[],
  reported: Reported,
  deadline: number,
): Steps<void> {
  const status = (progress: object) =>
    context.df.setCustomStatus({
      ...progress,
      phase: "backing-up",
      disksTotal: children.length,
      disksDone: children.filter((c) => known(c, reported)).length,
    });
  const now = () => context.df.currentUtcDateTime.getTime();
  let openWaits: Task[] = [];
  const readEvents = () => {
    for (const wait of openWaits.filter((w) => w.isCompleted)) {
      const { outcome } = wait.result as { outcome: DiskOutcome };
      reported.set(outcome.diskId, outcome);
    }
    openWaits = openWaits.filter((w) => !w.isCompleted);
  };
  let polls = 0;
  let first: Task | undefined = context.df.Task.all(children.map((c) => c.task));
  while (children.some((c) => !known(c, reported)) && now() < deadline) {
    const wait = POLL_MS[Math.min(polls, POLL_MS.length - 1)] ?? 300_000;
    const timer = context.df.createTimer(new Date(Math.min(now() + wait, deadline)));
    const event = context.df.waitForExternalEvent(DISK_BACKUP_ENDED);
    openWaits.push(event);
    const contenders: Task[] = first ? [first, event, timer] : [event, timer];
    first = undefined;
    const winner = yield context.df.Task.any(contenders);
    readEvents();
    if (winner !== timer) {
      timer.cancel();
      continue;
    }
    polls++;
    const live = yield* steps.call("backupProgress", { instanceIds: children.map((c) => c.instanceId) });
    readEvents();
    status(live);
  }
}

function outcomeOf(child: Child, reported: Reported, waitLimitMs: number): DiskOutcome {
  const told = reported.get(child.diskId);
  if (!ended(child) && told) return told;
  if (!ended(child)) {
    const hours = (waitLimitMs / 3_600_000).toFixed(1);
    return {
      diskId: child.diskId,
      status: "running",
      reason: `still running after the run's wait limit (${hours} h); its restore point is recorded in the lineage when it ends`,
    };
  }
  if (!child.task.isFaulted) return child.task.result as DiskOutcome;
  // A disk backup returns its outcome as data; only an engine-level failure faults the child's task.
  const { code, message } = failureOf(child.task.result);
  return { diskId: child.diskId, status: "failed", code, reason: message, restorePointId: null };
}

export const backupRunOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const raw = context.df.getInput<BackupRunInput | "" | undefined>();
  const input: BackupRunInput = raw && typeof raw === "object" ? raw : { trigger: "http" };
  const steps = stepsOf<BackupSteps>(durableRuntime(context));
  const runId = context.df.instanceId;
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
  const children: Child[] = resolved.disks.map((d) => {
    const instanceId = diskBackupInstanceId(d.diskId, runId);
    const childInput = { diskId: d.diskId, sourceUrl: d.sourceUrl, runId, trigger: input.trigger };
    return {
      diskId: d.diskId,
      instanceId,
      task: context.df.callSubOrchestrator(BACKUP_DISK, childInput, instanceId),
    };
  });
  const disksTotal = children.length;
  context.df.setCustomStatus({ ...progress, phase: "backing-up", disksTotal, disksDone: 0 });

  const deadline = Date.parse(startedAt) + resolved.waitLimitMs;
  const reported: Reported = new Map();
  if (children.length > 0) yield* waitForChildren(context, steps, children, reported, deadline);

  outcomes.push(...children.map((c) => outcomeOf(c, reported, resolved.waitLimitMs)));
  const output: BackupRunOutput = {
    runId,
    trigger: input.trigger,
    startedAt,
    completedAt: context.df.currentUtcDateTime.toISOString(),
    disks: outcomes,
  };
  const instanceIds = children.map((c) => c.instanceId);
  const final = children.length > 0 ? yield* steps.call("backupProgress", { instanceIds }) : progress;
  const disksDone = children.filter((c) => known(c, reported)).length;
  context.df.setCustomStatus({ ...final, phase: "completed", disksTotal, disksDone });
  return output;
};

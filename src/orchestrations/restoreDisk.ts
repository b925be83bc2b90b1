// restoreDisk: the restore steps of DESIGN §2. Resolve → (overwrite: snapshot the target, copy it into the
// backup account, record it as a safety point) → copy the backup snapshot both to a new backup base blob
// (promote) and into the target, at once (sparse, batches in shared windows), then snapshot the promoted
// blob → verify against the backup snapshot → snapshot the new disk and record its chain. A failure is
// recorded, then fails the instance.

import type { OrchestrationContext, OrchestrationHandler, Task } from "durable-functions";
import {
  RESTORE_COMPLETE,
  RESTORE_COPY_BATCH,
  RESTORE_FAIL,
  RESTORE_PREPARE_COPY,
  RESTORE_RECORD_SAFETY,
  RESTORE_RESOLVE,
  RESTORE_SNAPSHOT,
  RESTORE_VERIFY,
} from "../restore/names";
import {
  pairedWindowsOf,
  promotedSnapshotOf,
  restoreCopiesOf,
  safetyBlobSnapshotOf,
  safetyCopyOf,
  targetSafetySnapshotOf,
  verifyPartsOf,
} from "../restore/phases";
import type { SnapshotInput } from "../restore/snapshot";
import type {
  CopyPhase,
  PreparedCopy,
  RestoreBatchResult,
  RestoreInput,
  RestoreOutput,
  RestoreProgress,
  RestoreRun,
  VerifyPartResult,
} from "../restore/types";
import { activityRetry, reasonOf } from "./failures";

/** Copy batches (and verify parts) running at once per copy: the fan-out window, as for backups. */
const WINDOW = 4;

export const restoreDiskOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = context.df.getInput<RestoreInput>();
  const progress: RestoreProgress = {
    phase: "resolve",
    bytesTotal: 0,
    bytesDone: 0,
    batchesTotal: 0,
    batchesDone: 0,
  };
  const status = (phase: string, extra: Record<string, unknown> = {}) => {
    progress.phase = phase;
    context.df.setCustomStatus({ ...progress, ...extra });
  };
  const call = (name: string, payload: unknown): Task =>
    context.df.callActivityWithRetry(name, activityRetry(), payload);

  /** Runs the activity over each group of payloads in turn (a group at a time: bounded). */
  function* fanOut(
    name: string,
    groups: unknown[][],
    bytesOf: (result: unknown) => number,
  ): Generator<Task, unknown[], unknown> {
    const results: unknown[] = [];
    for (const group of groups) {
      const done = (yield context.df.Task.all(group.map((p) => call(name, p)))) as unknown[];
      for (const r of done) progress.bytesDone += bytesOf(r);
      progress.batchesDone += done.length;
      results.push(...done);
      status(progress.phase);
    }
    return results;
  }

  function* windows(
    name: string,
    payloads: unknown[],
    bytesOf: (result: unknown) => number,
  ): Generator<Task, unknown[], unknown> {
    const groups: unknown[][] = [];
    for (let first = 0; first < payloads.length; first += WINDOW)
      groups.push(payloads.slice(first, first + WINDOW));
    return yield* fanOut(name, groups, bytesOf);
  }

  /** Prepares the copies together, then runs their batches in shared windows (progress: all of them). */
  function* copy(phase: string, copies: CopyPhase[]): Generator<Task, PreparedCopy[], unknown> {
    Object.assign(progress, { bytesTotal: 0, bytesDone: 0, batchesTotal: 0, batchesDone: 0 });
    status(phase);
    const prepared = (yield context.df.Task.all(
      copies.map((c) => call(RESTORE_PREPARE_COPY, c)),
    )) as PreparedCopy[];
    Object.assign(progress, {
      bytesTotal: prepared.reduce((s, p) => s + p.writeBytes, 0),
      batchesTotal: prepared.reduce((s, p) => s + p.batchBytes.length, 0),
    });
    status(phase);
    const groups = pairedWindowsOf(
      copies.map((c, i) => ({ copy: c, batches: prepared[i]?.batchBytes.length ?? 0 })),
      WINDOW,
    );
    yield* fanOut(RESTORE_COPY_BATCH, groups, (r) => (r as RestoreBatchResult).bytesCopied);
    return prepared;
  }

  const snapshot = (what: SnapshotInput): Task => call(RESTORE_SNAPSHOT, what);

  status("resolve");
  // A refused restore (target appeared, point gone) fails here, before anything is written.
  const run = (yield context.df.callActivity(RESTORE_RESOLVE, {
    input,
    runId: context.df.instanceId,
  })) as RestoreRun;
  const ids = {
    diskId: run.targetDiskId,
    restorePointId: run.newRestorePointId,
    restoredDiskUrl: run.targetUrl,
  };
  try {
    if (run.safety) {
      const targetSnapshot = (yield snapshot(targetSafetySnapshotOf(run))) as string;
      const [copied] = yield* copy("safety", [safetyCopyOf(run, targetSnapshot)]);
      if (!copied) throw new Error("the safety copy was not prepared");
      const safetySnapshot = (yield snapshot(safetyBlobSnapshotOf(run))) as string;
      yield call(RESTORE_RECORD_SAFETY, { run, targetSnapshot, safetySnapshot, copied });
    }
    // The target copy reads the backup snapshot too, so it need not wait for the promoted blob.
    const { promote, restore } = restoreCopiesOf(run);
    const [, copied] = yield* copy("copy", [promote, restore]);
    if (!copied) throw new Error("the restore copy was not prepared");
    const promotedSnapshot = (yield snapshot(promotedSnapshotOf(run))) as string;

    const parts = verifyPartsOf(copied.batchBytes.length).map((part) => ({ run, part }));
    // The verifier reads what was written (plus any range allocated only on the other side).
    Object.assign(progress, {
      bytesTotal: copied.writeBytes,
      bytesDone: 0,
      batchesTotal: parts.length,
      batchesDone: 0,
    });
    status("verify", ids);
    const verified = (yield* windows(
      RESTORE_VERIFY,
      parts,
      (r) => (r as VerifyPartResult).bytesCompared,
    )) as VerifyPartResult[];

    progress.bytesTotal = Math.max(progress.bytesTotal, progress.bytesDone);
    status("complete", ids);
    const output = (yield call(RESTORE_COMPLETE, {
      run,
      promotedSnapshot,
      copied,
      verified,
    })) as RestoreOutput;
    status("completed", ids);
    return output;
  } catch (error) {
    const reason = reasonOf(error);
    status("failing", ids);
    try {
      yield call(RESTORE_FAIL, { run, reason });
    } catch (recordError) {
      context.log(
        `could not record the failure of restore ${run.newRestorePointId}: ${reasonOf(recordError)}`,
      );
    }
    status("failed", { ...ids, reason });
    throw new Error(`restore of ${run.diskId}/${run.restorePointId} to ${run.targetUrl} failed: ${reason}`);
  }
};

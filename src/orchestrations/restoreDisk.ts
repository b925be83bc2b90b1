// restoreDisk: the restore procedure (docs/architecture.md). 1. resolve the restore point and fix every
// name; 2. (overwrite only) snapshot the target, copy it into the backup account, record it as a safety
// point; 3. promote and copy at once: the backup snapshot into a new backup base blob and into the target;
// 4. snapshot the promoted blob; 5. verify the target against the backup snapshot; 6. snapshot the new
// disk and record its chain. A failure is recorded (with its code), then fails the instance.
import { newProgress } from "../app/progress";
import {
  pairedWindowsOf,
  promotedSnapshotOf,
  restoreCopiesOf,
  safetyBlobSnapshotOf,
  safetyCopyOf,
  targetSafetySnapshotOf,
  verifyPartsOf,
} from "../restore/phases";
import type { CopyPhase, PreparedCopy, RestoreInput, RestoreOutput } from "../restore/types";
import { failureOf } from "./failures";
import type { RestoreSteps } from "./names";
import { type ProcedureRuntime, type Steps, stepsOf, windowsOf } from "./steps";

export function* restoreDisk(runtime: ProcedureRuntime, input: RestoreInput): Steps<RestoreOutput> {
  const steps = stepsOf<RestoreSteps>(runtime);
  const progress = newProgress("resolve");
  const status = (phase: string, extra: Record<string, unknown> = {}) => {
    progress.phase = phase;
    runtime.setStatus({ ...progress, ...extra });
  };
  const restart = (phase: string, bytesTotal: number, batchesTotal: number, extra = {}) => {
    Object.assign(progress, { bytesTotal, bytesDone: 0, batchesTotal, batchesDone: 0 });
    status(phase, extra);
  };

  /** Prepares the copies together, then runs their batches in shared windows (progress: all of them). */
  function* copy(phase: string, copies: CopyPhase[]): Steps<PreparedCopy[]> {
    restart(phase, 0, 0);
    const prepared = yield* steps.group("restorePrepareCopy", copies);
    const sum = (f: (p: PreparedCopy) => number) => prepared.reduce((s, p) => s + f(p), 0);
    restart(
      phase,
      sum((p) => p.writeBytes),
      sum((p) => p.batchBytes.length),
    );
    const batches = copies.map((c, i) => ({ copy: c, batches: prepared[i]?.batchBytes.length ?? 0 }));
    const window = Math.min(...prepared.map((p) => p.window));
    yield* steps.untilDone("restoreCopyBatch", pairedWindowsOf(batches, window), (copied) => {
      progress.bytesDone += copied.bytesCopied;
      if (copied.done) progress.batchesDone++;
      status(phase);
    });
    return prepared;
  }

  status("resolve");
  // A refused restore (target appeared, point gone) fails here, before anything is written.
  const run = yield* steps.call("restoreResolve", {
    input,
    runId: runtime.instanceId,
    startedAt: runtime.now().toISOString(),
    nonce: runtime.newGuid(),
  });
  const ids = {
    diskId: run.targetDiskId,
    restorePointId: run.newRestorePointId,
    restoredDiskUrl: run.targetUrl,
  };
  try {
    if (run.safety) {
      const targetSnapshot = yield* steps.call("restoreSnapshot", targetSafetySnapshotOf(run));
      const [copied] = yield* copy("safety", [safetyCopyOf(run, targetSnapshot)]);
      if (!copied) throw new Error("the safety copy was not prepared");
      const safetySnapshot = yield* steps.call("restoreSnapshot", safetyBlobSnapshotOf(run));
      yield* steps.call("restoreRecordSafety", { run, targetSnapshot, safetySnapshot, copied });
    }
    // A managed disk target is created empty for upload, with a write SAS, before its first byte.
    if (run.targetDisk) yield* steps.call("restoreCreateDisk", run);
    // The target copy reads the backup snapshot too, so it need not wait for the promoted blob.
    const { promote, restore } = restoreCopiesOf(run);
    const [, copied] = yield* copy("copy", [promote, restore]);
    if (!copied) throw new Error("the restore copy was not prepared");
    // A managed disk's image ends with a fixed-VHD footer; the promoted blob gets the same bytes.
    if (run.targetDisk) yield* steps.call("restoreWriteFooter", run);
    const promotedSnapshot = yield* steps.call("restoreSnapshot", promotedSnapshotOf(run));

    // The verifier reads what was written (plus any range allocated only on the other side).
    const parts = verifyPartsOf(copied.batchBytes.length).map((part) => ({ run, part }));
    restart("verify", copied.writeBytes, parts.length, ids);
    const verified = yield* steps.windows("restoreVerify", windowsOf(parts, copied.window), (part) => {
      progress.bytesDone += part.bytesCompared;
      progress.batchesDone++;
      status("verify", ids);
    });

    progress.bytesTotal = Math.max(progress.bytesTotal, progress.bytesDone);
    status("complete", ids);
    const output = yield* steps.call("restoreComplete", { run, promotedSnapshot, copied, verified });
    status("completed", ids);
    return output;
  } catch (error) {
    const failure = failureOf(error);
    status("failing", ids);
    try {
      yield* steps.call("restoreFail", { run, failure });
    } catch (recordError) {
      runtime.log(
        `could not record the failure of restore ${run.newRestorePointId}: ${failureOf(recordError).message}`,
      );
    }
    status("failed", { ...ids, reason: failure.message, code: failure.code });
    throw new Error(
      `restore of ${run.diskId}/${run.restorePointId} to ${run.targetUrl} failed: ${failure.message}`,
    );
  }
}

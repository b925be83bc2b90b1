// restoreDisk: the restore procedure (docs/architecture.md). 1. resolve the restore point and fix every
// name; 2. (overwrite only) snapshot the target, copy it into the backup account (an incremental of the
// target's chain when this app holds it), record it as a safety point; 3. copy the restore point into the
// target first, server side (or, for a point of the target's own chain, only the ranges that differ:
// revert by diff, relayed so that it also writes the chain's backup blob back); 4. promote the restore
// point (the service copies it into the new chain's backup blob) while the target is verified against
// the restore point, then snapshot the promoted blob; 5. snapshot the new disk and record its chain.
// A new managed disk takes the upload route in step 3-4 (created empty, written beside the promoted
// blob, a VHD footer, verified through its SAS). A failure is recorded (with its code), then fails the
// instance.
import { REVERT_NOT_POSSIBLE } from "../app/codes";
import { newProgress } from "../app/progress";
import {
  pairedWindowsOf,
  preparedBatchesOf,
  promoteCopyOf,
  promotedSnapshotOf,
  restoreCopyOf,
  revertCopyOf,
  safetyBlobSnapshotOf,
  safetyCopyOf,
  targetSafetySnapshotOf,
  verifyInputsOf,
  verifyWindowsOf,
} from "../restore/phases";
import type {
  CopyPhase,
  PreparedCopy,
  RestoreInput,
  RestoreMode,
  RestoreOutput,
  RestoreRun,
  VerifyPartResult,
} from "../restore/types";
import { failureOf } from "./failures";
import type { RestoreSteps } from "./names";
import { markResumed, type ProcedureRuntime, type Steps, stepsOf } from "./steps";

/** What the copy and verification left for the completion step. */
interface Written {
  mode: RestoreMode;
  copied: PreparedCopy;
  verified: VerifyPartResult[];
  promotedSnapshot: string | null;
}

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

  /** What each inline relay batch read, by copy and batch (the verification compares the disk with it). */
  const relayed = new Map<CopyPhase, Map<number, string[]>>();

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
    const window = Math.min(...prepared.map((p) => p.window));
    const windows = pairedWindowsOf(preparedBatchesOf(copies, prepared), window);
    yield* steps.untilDone(
      "restoreCopyBatch",
      windows,
      (copied, input) => {
        progress.bytesDone += copied.bytesCopied;
        if (copied.done) progress.batchesDone++;
        if (copied.digests) {
          const byBatch = relayed.get(input.copy) ?? new Map<number, string[]>();
          relayed.set(input.copy, byBatch.set(input.batch, copied.digests));
        }
        status(phase);
      },
      markResumed,
    );
    return prepared;
  }

  /** Verifies every part (a part at its time budget is called again); returns them layout first. */
  function* verify(
    run: RestoreRun,
    mode: RestoreMode,
    copied: PreparedCopy,
    before: string | undefined,
    digests?: ReadonlyMap<number, string[]>,
  ): Steps<VerifyPartResult[]> {
    const ids = {
      diskId: run.targetDiskId,
      restorePointId: run.newRestorePointId,
      restoredDiskUrl: run.targetUrl,
    };
    const inputs = verifyInputsOf(run, mode, { ...copied, digests }, before);
    restart("verify", copied.writeBytes, inputs.length, ids);
    const results = new Map<number | "layout", VerifyPartResult>();
    yield* steps.untilDone(
      "restoreVerify",
      verifyWindowsOf(inputs, copied.window),
      (part, input) => {
        if (!part.done) return;
        results.set(input.part, part);
        progress.bytesDone += part.bytesCompared;
        progress.batchesDone++;
        status("verify", ids);
      },
      markResumed,
    );
    return inputs.map((input) => {
      const part = results.get(input.part);
      if (!part) throw new Error(`verification part ${input.part} did not finish`);
      return part;
    });
  }

  /** A page blob target: the point copied into it first (or only what differs), then verified. */
  function* copyThenVerify(
    run: RestoreRun,
    safety: { before: string; snapshot: string } | undefined,
  ): Steps<Written> {
    let mode: RestoreMode = run.revert ? "revert" : "full";
    let copied: PreparedCopy | undefined;
    let digests: ReadonlyMap<number, string[]> | undefined;
    if (mode === "revert" && safety !== undefined) {
      try {
        const revert = revertCopyOf(run, safety.snapshot);
        [copied] = yield* copy("copy", [revert]);
        digests = relayed.get(revert);
      } catch (error) {
        // The chain could not be diffed: nothing was written yet, the point is copied in full.
        if (failureOf(error).code !== REVERT_NOT_POSSIBLE) throw error;
        runtime.log(`restore ${run.newRestorePointId}: ${failureOf(error).message}; copying in full`);
        mode = "full";
      }
    }
    // The target first, at the full rate of the blobs; the service promotes the point while we verify.
    if (mode === "full") {
      [copied] = yield* copy("copy", [restoreCopyOf(run)]);
      // The target is complete from here on (usable; verified next), which the phase tells a watcher.
      status("promote");
      yield* steps.call("restorePromote", { run, wait: false });
    }
    if (!copied) throw new Error("the restore copy was not prepared");
    const verified = yield* verify(run, mode, copied, safety?.before, digests);
    if (mode === "revert") return { mode, copied, verified, promotedSnapshot: null };
    yield* steps.call("restorePromote", { run, wait: true });
    const promotedSnapshot = yield* steps.call("restoreSnapshot", promotedSnapshotOf(run));
    return { mode, copied, verified, promotedSnapshot };
  }

  /**
   * A new managed disk: created empty for upload, written beside the promoted blob (server side), ended
   * with a fixed-VHD footer (the promoted blob gets the same bytes), then verified through its upload SAS.
   */
  function* uploadToNewDisk(run: RestoreRun): Steps<Written> {
    yield* steps.call("restoreCreateDisk", run);
    const [, copied] = yield* copy("copy", [promoteCopyOf(run), restoreCopyOf(run)]);
    if (!copied) throw new Error("the restore copy was not prepared");
    yield* steps.call("restoreWriteFooter", run);
    const promotedSnapshot = yield* steps.call("restoreSnapshot", promotedSnapshotOf(run));
    const verified = yield* verify(run, "full", copied, undefined);
    return { mode: "full", copied, verified, promotedSnapshot };
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
    let safety: { before: string; snapshot: string } | undefined;
    if (run.safety) {
      const before = yield* steps.call("restoreSnapshot", targetSafetySnapshotOf(run));
      const [copied] = yield* copy("safety", [safetyCopyOf(run, before)]);
      if (!copied) throw new Error("the safety copy was not prepared");
      const snapshot = yield* steps.call("restoreSnapshot", safetyBlobSnapshotOf(run, before));
      yield* steps.call("restoreRecordSafety", {
        run,
        targetSnapshot: before,
        safetySnapshot: snapshot,
        copied,
      });
      safety = { before, snapshot };
    }
    const { mode, copied, verified, promotedSnapshot } = run.targetDisk
      ? yield* uploadToNewDisk(run)
      : yield* copyThenVerify(run, safety);
    progress.bytesTotal = Math.max(progress.bytesTotal, progress.bytesDone);
    status("complete", ids);
    const output = yield* steps.call("restoreComplete", { run, mode, promotedSnapshot, copied, verified });
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

// An in-process run of one restore through the same steps the restoreDisk orchestration schedules
// (resolve → safety point → promote and copy at once → verify → complete, or fail). For integration tests
// and tools; the deployed app runs the steps as durable activities.
import type { BackupContext } from "../backup/context";
import { messageOf } from "../storage/errors";
import { completeRestore } from "./complete";
import { failRestore } from "./fail";
import {
  pairedWindowsOf,
  promotedSnapshotOf,
  restoreCopiesOf,
  safetyBlobSnapshotOf,
  safetyCopyOf,
  targetSafetySnapshotOf,
  verifyPartsOf,
} from "./phases";
import { recordSafety } from "./record";
import { resolveRestore } from "./resolve";
import { snapshotBlob } from "./snapshot";
import { copyBatch, prepareCopy } from "./sparseCopy";
import type { CopyPhase, PreparedCopy, RestoreInput, RestoreOutput, RestoreRun } from "./types";
import { verifyPart } from "./verify";

/** Like Promise.all, but fails only once every call has settled: cleanup never races a write. */
async function settled<T>(calls: Array<Promise<T>>): Promise<T[]> {
  const results = await Promise.allSettled(calls);
  const failed = results.find((r) => r.status === "rejected");
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/** Prepares the copies together, then runs their batches in shared windows, as the orchestration does. */
async function runCopies(ctx: BackupContext, copies: CopyPhase[]): Promise<PreparedCopy[]> {
  const prepared = await settled(copies.map((copy) => prepareCopy(ctx, copy)));
  const windows = pairedWindowsOf(
    copies.map((copy, i) => ({ copy, batches: prepared[i]?.batchBytes.length ?? 0 })),
    ctx.tuning.batchWindow,
  );
  for (const window of windows) await settled(window.map((input) => copyBatch(ctx, input)));
  return prepared;
}

async function runCopy(ctx: BackupContext, copy: CopyPhase): Promise<PreparedCopy> {
  const [prepared] = await runCopies(ctx, [copy]);
  if (!prepared) throw new Error(`the ${copy.phase} copy was not prepared`);
  return prepared;
}

async function steps(ctx: BackupContext, run: RestoreRun): Promise<RestoreOutput> {
  if (run.safety) {
    const targetSnapshot = await snapshotBlob(ctx, targetSafetySnapshotOf(run));
    const copied = await runCopy(ctx, safetyCopyOf(run, targetSnapshot));
    const safetySnapshot = await snapshotBlob(ctx, safetyBlobSnapshotOf(run));
    await recordSafety(ctx, { run, targetSnapshot, safetySnapshot, copied });
  }
  // The target copy reads the backup snapshot too, so it need not wait for the promoted blob.
  const { promote, restore } = restoreCopiesOf(run);
  const [, copied] = await runCopies(ctx, [promote, restore]);
  if (!copied) throw new Error("the restore copy was not prepared");
  const promotedSnapshot = await snapshotBlob(ctx, promotedSnapshotOf(run));
  const verified = [];
  for (const part of verifyPartsOf(copied.batchBytes.length))
    verified.push(await verifyPart(ctx, { run, part }));
  return completeRestore(ctx, { run, promotedSnapshot, copied, verified });
}

export async function runRestoreDirect(
  ctx: BackupContext,
  input: RestoreInput,
  runId: string,
): Promise<RestoreOutput> {
  const run = await resolveRestore(ctx, input, runId);
  try {
    return await steps(ctx, run);
  } catch (error) {
    await failRestore(ctx, { run, reason: messageOf(error) });
    throw error;
  }
}

// An in-process run of one restore through the same steps the restoreDisk orchestration schedules
// (resolve → safety point → promote → copy → verify → complete, or fail). For integration tests and
// tools; the deployed app runs the steps as durable activities.
import type { BackupContext } from "../backup/context";
import { messageOf } from "../storage/errors";
import { completeRestore } from "./complete";
import { failRestore } from "./fail";
import {
  promoteCopyOf,
  promotedSnapshotOf,
  restoreCopyOf,
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

async function runCopy(ctx: BackupContext, copy: CopyPhase): Promise<PreparedCopy> {
  const prepared = await prepareCopy(ctx, copy);
  const window = Math.max(1, ctx.tuning.batchWindow);
  for (let first = 0; first < prepared.batchBytes.length; first += window) {
    const batches = prepared.batchBytes.slice(first, first + window).map((_, i) => first + i);
    await Promise.all(batches.map((batch) => copyBatch(ctx, { copy, batch })));
  }
  return prepared;
}

async function steps(ctx: BackupContext, run: RestoreRun): Promise<RestoreOutput> {
  if (run.safety) {
    const targetSnapshot = await snapshotBlob(ctx, targetSafetySnapshotOf(run));
    const copied = await runCopy(ctx, safetyCopyOf(run, targetSnapshot));
    const safetySnapshot = await snapshotBlob(ctx, safetyBlobSnapshotOf(run));
    await recordSafety(ctx, { run, targetSnapshot, safetySnapshot, copied });
  }
  await runCopy(ctx, promoteCopyOf(run));
  const promotedSnapshot = await snapshotBlob(ctx, promotedSnapshotOf(run));
  const copied = await runCopy(ctx, restoreCopyOf(run, promotedSnapshot));
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

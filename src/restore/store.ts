// Where a restore keeps its copies' range lists (the run store in the backup container, never a source
// account), and how a prepared copy stores its ranges as bounded batches.
import type { AppContext } from "../app/context";
import { toBatchDocs } from "../copy/batches";
import { inlineBatchesOf, saveBatches } from "../copy/runStore";
import { type ByteRange, totalBytes } from "../ranges";
import { runKeyOf } from "./naming";
import type { CopyPhase, PreparedCopy } from "./types";

/** The run-store location of a phase's batches (the backup container; never a source account). */
/** Where a copy phase keeps its batches and checkpoints ("verify": the verification's checkpoints). */
export function runStoreOf(
  ctx: AppContext,
  copy: { phase: CopyPhase["phase"] | "verify"; run: CopyPhase["run"] },
) {
  return {
    container: ctx.storage.container(ctx.settings.target),
    diskId: copy.run.targetDiskId,
    key: runKeyOf(copy.run.newRestorePointId, copy.phase),
  };
}

/** Stores the ranges as batches (a small copy's travel inline) and says what the copy will do. */
export async function storeBatches(
  ctx: AppContext,
  copy: CopyPhase,
  sizeBytes: number,
  writes: ByteRange[],
  clears: ByteRange[],
): Promise<PreparedCopy> {
  const docs = toBatchDocs(ctx.tuning, writes, clears);
  const store = runStoreOf(ctx, copy);
  const inlineBatches = inlineBatchesOf(docs);
  if (!inlineBatches) await saveBatches(store.container, store.diskId, store.key, docs);
  ctx.log(
    `restore ${copy.phase}: ${totalBytes(writes)} bytes to copy, ${totalBytes(clears)} to clear, ${docs.length} batches`,
  );
  return {
    sizeBytes,
    writeBytes: totalBytes(writes),
    clearBytes: totalBytes(clears),
    rangeCount: writes.length + clears.length,
    batchBytes: docs.map((d) => totalBytes(d.writes)),
    window: ctx.tuning.batchWindow,
    ...(inlineBatches ? { inlineBatches } : {}),
  };
}

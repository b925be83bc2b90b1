// Step 3 of a verification: combine the parts into the record, write it on the restore point (with the
// rotation state the next window starts from) and, on any difference, mark the point `suspect`: the
// disk's next backup is then a full copy (src/backup/begin.ts), which rewrites every allocated range.
import type { AppContext } from "../app/context";
import { deleteRun } from "../copy/runStore";
import { mergeIfUnchanged, updateRow } from "../lineage/updates";
import { messageOf } from "../storage/errors";
import { requireBlobUrl } from "../storage/urls";
import { MAX_LISTED_MISMATCHES } from "./compare";
import { closeManagedSource } from "./managedSource";
import { verifyRunKey } from "./plan";
import type { RecordInput, VerificationRecord } from "./types";

export const VERIFY_METHOD =
  "byte for byte per chunk of the allocated ranges of either snapshot: backup snapshot against source snapshot";

/** The record a window leaves (pure): sums of its parts plus the plan's window and rotation state. */
export function recordOf(input: RecordInput, verifiedAt: string): VerificationRecord {
  const { plan, parts } = input;
  const mismatchRanges = parts
    .flatMap((p) => p.mismatches)
    .sort((a, b) => a.offset - b.offset)
    .slice(0, MAX_LISTED_MISMATCHES);
  return {
    mode: plan.mode,
    method: VERIFY_METHOD,
    verifiedAt,
    percent: plan.percent,
    chunkBytes: plan.chunkBytes,
    pass: plan.pass,
    from: plan.from,
    to: plan.to,
    allocatedBytes: plan.allocatedBytes,
    bytesCompared: parts.reduce((s, p) => s + p.bytesCompared, 0),
    chunks: parts.reduce((s, p) => s + p.chunks, 0),
    coverage: plan.coverage,
    passComplete: plan.passComplete,
    mismatches: parts.reduce((s, p) => s + p.mismatchCount, 0) + (plan.layoutMismatch ? 1 : 0),
    mismatchRanges,
    layoutMismatch: plan.layoutMismatch,
    next: plan.next,
  };
}

export async function recordVerification(ctx: AppContext, input: RecordInput): Promise<VerificationRecord> {
  const { plan } = input;
  const record = recordOf(input, new Date().toISOString());
  const suspect = record.mismatches > 0;
  const merge = { verification: JSON.stringify(record), ...(suspect ? { suspect: true } : {}) };
  // The row's keys travel in the plan (a plan from before they did, or a row keyed otherwise, is looked up).
  const merged =
    plan.rowKey !== undefined &&
    (await mergeIfUnchanged(
      ctx.lineage,
      { partitionKey: plan.diskId, rowKey: plan.rowKey, etag: "*" },
      merge,
    ));
  if (!merged)
    await updateRow(
      ctx.lineage,
      plan.diskId,
      plan.restorePointId,
      () => ({ merge, result: null }),
      () => null,
    );
  await closeManagedSource(ctx, plan);
  // Nothing of a page blob's inline window is in the run store (a managed point keeps its SAS there).
  if (plan.spans === undefined || plan.snapshotResourceId !== undefined) {
    try {
      await deleteRun(ctx.storage.container(requireBlobUrl(plan.backupUrl)), plan.diskId, verifyRunKey(plan));
    } catch (error) {
      ctx.log(`cleanup after verification: ${messageOf(error)}`);
    }
  }
  const coverage = `${(record.coverage * 100).toFixed(1)}% of pass ${record.pass}`;
  if (suspect) {
    ctx.log(
      `error: verification ${plan.diskId}/${plan.restorePointId}: ${record.mismatches} mismatch(es) with the source snapshot; restore point marked suspect, the next backup will be full`,
    );
  } else {
    ctx.log(
      `verification ${plan.diskId}/${plan.restorePointId}: ${record.bytesCompared} bytes in ${record.chunks} chunks match (${coverage})`,
    );
  }
  return record;
}

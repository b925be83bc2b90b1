// Step 2 of a verification: compare one part of the window. Each chunk span is read from the backup
// snapshot and from the source snapshot (one request per side) and compared byte for byte as it arrives
// (copy/streamCompare.ts: memory stays at the pieces in hand, whatever the span); a difference is recorded
// (chunk and first differing byte), never thrown: the record step decides.
import type { PageBlobClient } from "@azure/storage-blob";
import type { AppContext } from "../app/context";
import { CodedError } from "../app/result";
import { bodiesOf } from "../copy/relay";
import { loadBatch } from "../copy/runStore";
import { compareStreams } from "../copy/streamCompare";
import { isNotFound } from "../storage/errors";
import { requireBlobUrl } from "../storage/urls";
import { SNAPSHOT_GONE } from "./codes";
import { isAccessGone, managedSourceOf } from "./managedSource";
import { verifyRunKey } from "./plan";
import type { ComparePartInput, Mismatch, PartResult } from "./types";

const CONCURRENCY = 4;

/** Mismatches listed per part (and per record); the count is always exact. */
export const MAX_LISTED_MISMATCHES = 20;

/** Offset of the span's first differing byte, or undefined when both snapshots hold the same bytes. */
async function compareSpan(source: PageBlobClient, backup: PageBlobClient, offset: number, length: number) {
  const [want, got] = await bodiesOf(source, backup, { offset, length });
  const compared = await compareStreams(want, got);
  const [wantLength, gotLength] = compared.lengths;
  if (wantLength !== length || gotLength !== length) {
    throw new Error(
      `read ${wantLength} bytes of the source snapshot and ${gotLength} of the backup snapshot at ${offset}, not ${length}`,
    );
  }
  return compared.firstDifference === undefined ? undefined : offset + compared.firstDifference;
}

export async function comparePart(ctx: AppContext, input: ComparePartInput): Promise<PartResult> {
  const { plan, part } = input;
  const spans = plan.spans
    ? plan.spans.map(([offset, length]) => ({ offset, length }))
    : (
        await loadBatch(
          ctx.storage.container(requireBlobUrl(plan.backupUrl)),
          plan.diskId,
          verifyRunKey(plan),
          part,
        )
      ).writes;
  const backup: PageBlobClient = ctx.storage.pageBlob(requireBlobUrl(plan.backupUrl), {
    snapshot: plan.backupSnapshot,
  });
  const source: PageBlobClient = plan.snapshotResourceId
    ? await managedSourceOf(ctx, plan, verifyRunKey(plan))
    : ctx.storage.pageBlob(requireBlobUrl(plan.sourceUrl), { snapshot: plan.sourceSnapshot });
  const result: PartResult = { bytesCompared: 0, chunks: spans.length, mismatchCount: 0, mismatches: [] };
  const found: Mismatch[] = [];
  let next = 0;
  async function worker(): Promise<void> {
    while (next < spans.length) {
      const { offset, length } = spans[next++]!;
      const difference = await compareSpan(source, backup, offset, length).catch((error: unknown) => {
        if (!isNotFound(error) && !(plan.snapshotResourceId && isAccessGone(error))) throw error;
        throw new CodedError(
          SNAPSHOT_GONE,
          `a snapshot of ${plan.restorePointId} was deleted while it was verified`,
        );
      });
      result.bytesCompared += length;
      if (difference !== undefined) found.push({ offset, length, firstDifference: difference });
    }
  }
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, spans.length) }, worker));
  found.sort((a, b) => a.offset - b.offset);
  result.mismatchCount = found.length;
  result.mismatches = found.slice(0, MAX_LISTED_MISMATCHES);
  if (found.length > 0) {
    ctx.log(
      `verification ${plan.diskId}/${plan.restorePointId}: ${found.length} chunk(s) differ from the source snapshot, first at byte ${found[0]?.firstDifference}`,
    );
  }
  return result;
}

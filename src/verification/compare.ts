// Step 2 of a verification: compare one part of the window. Each chunk span is read from the backup
// snapshot and from the source snapshot (one request per side), hashed with SHA-256 and compared; a
// difference is recorded (chunk and first differing byte), never thrown: the record step decides.
import { createHash } from "node:crypto";
import type { PageBlobClient } from "@azure/storage-blob";
import type { AppContext } from "../app/context";
import { CodedError } from "../app/result";
import { loadBatch } from "../copy/runStore";
import { isNotFound } from "../storage/errors";
import { requireBlobUrl } from "../storage/urls";
import { SNAPSHOT_GONE } from "./codes";
import { isAccessGone, managedSourceOf } from "./managedSource";
import { verifyRunKey } from "./plan";
import type { ComparePartInput, Mismatch, PartResult } from "./types";

const CONCURRENCY = 4;

/** Mismatches listed per part (and per record); the count is always exact. */
export const MAX_LISTED_MISMATCHES = 20;

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

function firstDifference(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
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
      const [want, got] = await Promise.all([
        source.downloadToBuffer(offset, length),
        backup.downloadToBuffer(offset, length),
      ]).catch((error: unknown) => {
        if (!isNotFound(error) && !(plan.snapshotResourceId && isAccessGone(error))) throw error;
        throw new CodedError(
          SNAPSHOT_GONE,
          `a snapshot of ${plan.restorePointId} was deleted while it was verified`,
        );
      });
      result.bytesCompared += length;
      if (got.length !== want.length || sha256(got) !== sha256(want)) {
        found.push({ offset, length, firstDifference: offset + firstDifference(want, got) });
      }
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

// Verification of a restored disk against the restore point's backup snapshot (not the promoted copy, so
// the whole path is checked): every range allocated on either side is read from both and compared by
// SHA-256 per chunk of at most 8 MiB; everything else is unallocated on both sides, hence zeros on both.
import { createHash } from "node:crypto";
import type { PageBlobClient } from "@azure/storage-blob";
import { VERIFICATION_FAILED } from "../app/codes";
import type { AppContext } from "../app/context";
import { CodedError } from "../app/result";
import { listRanges } from "../copy/diff";
import { loadBatch } from "../copy/runStore";
import { type ByteRange, coalesce, splitRanges, subtractRanges } from "../ranges";
import { requireBlobUrl } from "../storage/urls";
import { runStoreOf } from "./sparseCopy";
import type { Verification, VerifyPartInput, VerifyPartResult } from "./types";

export const VERIFY_CHUNK_BYTES = 8 * 1024 * 1024;
const VERIFY_CONCURRENCY = 4;
export const VERIFY_METHOD =
  "sha256 per chunk (<= 8 MiB) of every range allocated on either side, against the backup snapshot";

/** A restored disk that differs from its restore point: final, a retry reads the same bytes. */
export class VerificationError extends CodedError {
  constructor(message: string) {
    super(VERIFICATION_FAILED, message);
    this.name = "VerificationError";
  }
}

function firstDifference(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}

export const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");

/** Compares the two blobs over `ranges`; throws VerificationError at the first difference. */
export async function compareRanges(
  expected: PageBlobClient,
  actual: PageBlobClient,
  ranges: ByteRange[],
): Promise<VerifyPartResult> {
  const chunks = splitRanges(coalesce(ranges), VERIFY_CHUNK_BYTES);
  const digests: string[] = new Array(chunks.length);
  let next = 0;
  let bytes = 0;
  async function worker(): Promise<void> {
    while (next < chunks.length) {
      const index = next++;
      const { offset, length } = chunks[index]!;
      const [want, got] = await Promise.all([
        expected.downloadToBuffer(offset, length),
        actual.downloadToBuffer(offset, length),
      ]);
      const digest = sha256(want);
      if (got.length !== want.length || sha256(got) !== digest) {
        const at = offset + firstDifference(want, got);
        throw new VerificationError(
          `the restored disk differs from the backup snapshot at byte ${at} (chunk ${offset}+${length})`,
        );
      }
      digests[index] = digest;
      bytes += length;
    }
  }
  await Promise.all(Array.from({ length: Math.min(VERIFY_CONCURRENCY, chunks.length) }, worker));
  return { bytesCompared: bytes, chunks: chunks.length, digest: sha256(digests.join("")) };
}

export async function verifyPart(ctx: AppContext, input: VerifyPartInput): Promise<VerifyPartResult> {
  const { run, part } = input;
  const expected = ctx.storage.pageBlob(requireBlobUrl(run.backupUrl), { snapshot: run.backupSnapshot });
  const actual = ctx.storage.pageBlob(requireBlobUrl(run.targetUrl));
  if (part !== "layout") {
    const store = runStoreOf(ctx, { phase: "restore", run });
    const doc = await loadBatch(store.container, store.diskId, store.key, part);
    return compareRanges(expected, actual, doc.writes);
  }
  const [want, got] = await Promise.all([expected.getProperties(), actual.getProperties()]);
  if (want.contentLength !== got.contentLength) {
    throw new VerificationError(
      `the restored disk has ${got.contentLength} bytes, the backup snapshot ${want.contentLength}`,
    );
  }
  const sizeBytes = want.contentLength ?? 0;
  const listing = (blob: PageBlobClient) =>
    listRanges({ blob, sizeBytes, segmentBytes: ctx.tuning.segmentBytes });
  const [a, b] = await Promise.all([listing(expected), listing(actual)]);
  // Ranges allocated on one side only: both sides must still read the same there (zeros).
  const oneSided = [...subtractRanges(a.changed, b.changed), ...subtractRanges(b.changed, a.changed)];
  return compareRanges(expected, actual, oneSided);
}

/** Combines the parts (layout first, then batches in order) into the recorded verification. */
export function combineVerification(parts: VerifyPartResult[]): Verification {
  return {
    verified: true,
    method: VERIFY_METHOD,
    bytesCompared: parts.reduce((s, p) => s + p.bytesCompared, 0),
    chunks: parts.reduce((s, p) => s + p.chunks, 0),
    digest: sha256(parts.map((p) => p.digest).join("")),
  };
}

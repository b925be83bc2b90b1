// One range of a restored disk against its restore point's backup snapshot: both read side by side and
// compared as the bytes arrive, the restore point's side hashed on the way (its SHA-256 per range is what
// a verification's checkpoint and record keep). Used by the page-blob restore's verification (verify.ts)
// and by the comparison of a managed disk's upload (managedTarget.ts).
import { createHash, type Hash } from "node:crypto";
import type { PageBlobClient } from "@azure/storage-blob";
import { VERIFICATION_FAILED } from "../app/codes";
import { CodedError } from "../app/result";
import { bodiesOf, sha256 } from "../copy/relay";
import { compareStreams, type Piece } from "../copy/streamCompare";
import { type ByteRange, coalesce, splitRanges } from "../ranges";
import type { VerifyPartResult } from "./types";

/** The longest read of a verification (a managed disk's upload is compared in pieces of this size). */
export const VERIFY_CHUNK_BYTES = 8 * 1024 * 1024;
/** Reads in flight while comparing a managed disk's upload with the restore point. */
const VERIFY_CONCURRENCY = 4;

/** A restored disk that differs from its restore point: final, a retry reads the same bytes. */
export class VerificationError extends CodedError {
  constructor(message: string) {
    super(VERIFICATION_FAILED, message);
    this.name = "VerificationError";
  }
}

/** The pieces of `body` as they arrive, each fed to `hash` on its way. */
async function* hashing(body: AsyncIterable<Piece>, hash: Hash): AsyncGenerator<Piece> {
  for await (const piece of body) {
    hash.update(piece);
    yield piece;
  }
}

/**
 * One range of a disk restored in full: read from the restore point and the disk side by side and compared
 * as the pieces arrive (neither side buffered whole, one side hashed: a range costs the app a SHA-256 and a
 * compare, not two SHA-256s and two copies); returns the restore point's SHA-256 of the range, as the
 * checkpoint keeps it.
 */
export async function compareWithPoint(
  expected: PageBlobClient,
  actual: PageBlobClient,
  range: ByteRange,
  signal?: AbortSignal,
): Promise<string> {
  const { offset, length } = range;
  const hash = createHash("sha256");
  const [want, got] = await bodiesOf(expected, actual, range, signal);
  const compared = await compareStreams(hashing(want, hash), got);
  const [wantLength, gotLength] = compared.lengths;
  if (wantLength !== length || gotLength !== length)
    throw new Error(
      `read ${wantLength} bytes of the restore point and ${gotLength} of the restored disk at ${offset}, not ${length}`,
    );
  if (compared.firstDifference !== undefined)
    throw new VerificationError(
      `the restored disk differs from the backup snapshot at byte ${offset + compared.firstDifference} (chunk ${offset}+${length})`,
    );
  return hash.digest("hex");
}

/** Compares the two blobs over `ranges` (a managed disk's upload); throws VerificationError at the first difference. */
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
      const chunk = chunks[index]!;
      digests[index] = await compareWithPoint(expected, actual, chunk);
      bytes += chunk.length;
    }
  }
  await Promise.all(Array.from({ length: Math.min(VERIFY_CONCURRENCY, chunks.length) }, worker));
  return { bytesCompared: bytes, chunks: chunks.length, digest: sha256(digests.join("")), done: true };
}

// Blob leases as a storage-level writer guard: a run holds a short lease (with an id derived from the run)
// on the blob it writes and renews it while writing, so two runs, even from two deployments, never write
// the same blob at once, and a crashed run's lease simply expires.
import { createHash } from "node:crypto";
import type { BlobClient, BlobGetPropertiesResponse } from "@azure/storage-blob";
import { CodedError } from "../app/result";
import { errorCode, messageOf, statusOf } from "./errors";

/** Another writer holds the lease: final (a retry seconds later meets the same lease). */
export class LeaseConflictError extends CodedError {
  constructor(blobUrl: string, cause: unknown) {
    super(
      "LeaseConflict",
      `${blobUrl} is leased by another writer (another backup or restore run?): ${messageOf(cause)}`,
      { cause },
    );
    this.name = "LeaseConflictError";
  }
}

/** A deterministic lease id (GUID format) for a run, so every activity of the run uses the same one. */
export function leaseIdFor(...parts: string[]): string {
  const h = createHash("sha256").update(parts.join("\u0000")).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Acquires the lease, or renews it when this run already holds it; fails if another writer holds it.
 * Returns the blob's ETag as the lease answer gives it (undefined if it gives none).
 */
export async function holdLease(
  blob: BlobClient,
  leaseId: string,
  durationSeconds = 60,
): Promise<string | undefined> {
  const lease = blob.getBlobLeaseClient(leaseId);
  try {
    return (await lease.acquireLease(durationSeconds)).etag;
  } catch (error) {
    if (statusOf(error) !== 409) throw error;
  }
  try {
    return (await lease.renewLease()).etag;
  } catch (error) {
    throw new LeaseConflictError(blob.url, error);
  }
}

/**
 * The blob's properties as they stand under this run's lease, `leased` being {@link holdLease}'s answer
 * (the blob's ETag). The read goes out beside the lease instead of after it, and is kept when the lease
 * answers with the same ETag: nothing was written between the read and the lease, and from the lease on
 * only its holder writes. Read again otherwise (or when the lease answer carries no ETag). One round trip
 * before a write under the lease instead of two; fails as the lease fails (another writer holds it).
 */
export async function propertiesUnderLease(
  blob: BlobClient,
  leased: Promise<string | undefined>,
): Promise<BlobGetPropertiesResponse> {
  const [etag, read] = await Promise.allSettled([leased, blob.getProperties()]);
  if (etag.status === "rejected") throw etag.reason;
  if (read.status === "fulfilled" && etag.value !== undefined && read.value.etag === etag.value)
    return read.value;
  return blob.getProperties();
}

/** Releases the lease if this run holds it; a lease held by someone else is left alone. */
export async function releaseLease(blob: BlobClient, leaseId: string): Promise<void> {
  try {
    await blob.getBlobLeaseClient(leaseId).releaseLease();
  } catch (error) {
    const code = errorCode(error);
    if (
      statusOf(error) === 404 ||
      code === "LeaseIdMismatchWithLeaseOperation" ||
      code === "LeaseNotPresentWithLeaseOperation"
    ) {
      return;
    }
    if (statusOf(error) === 409) return;
    throw error;
  }
}

/** Keeps a held lease alive while a long operation runs; stop() before releasing. */
export function keepLease(blob: BlobClient, leaseId: string, durationSeconds = 60): { stop(): void } {
  const timer = setInterval(
    () => {
      blob
        .getBlobLeaseClient(leaseId)
        .renewLease()
        .catch(() => {
          // A lost lease shows up as 412 on the next write, which fails the write: nothing to do here.
        });
    },
    Math.max(1000, (durationSeconds * 1000) / 3),
  );
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

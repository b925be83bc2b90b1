// The mark of an unfinished restore on its target (metadata restorerun=<new restore point id>): set before
// the first byte is written, removed once the restore is recorded, and left on a target that a failed
// restore could not delete. While it is there, discovery never backs the blob up: a half-written disk
// must not become a restore point.
import type { PageBlobClient } from "@azure/storage-blob";
import { TAG_RESTORE_RUN } from "../storage/tags";

/**
 * Adds the mark (keeping the blob's other metadata); the caller holds the target's lease.
 * `known`: the blob's metadata as the caller read it under that lease (read here when not given).
 */
export async function markUnfinished(
  blob: PageBlobClient,
  restorePointId: string,
  leaseId: string,
  known?: Record<string, string>,
): Promise<void> {
  const metadata = known ?? (await blob.getProperties()).metadata ?? {};
  if (metadata[TAG_RESTORE_RUN] === restorePointId) return;
  await blob.setMetadata({ ...metadata, [TAG_RESTORE_RUN]: restorePointId }, { conditions: { leaseId } });
}

/**
 * Removes this restore's mark (another run's mark is not ours to remove); the caller holds the lease.
 * `known`: the blob's metadata as the caller read it under that lease (read here when not given).
 */
export async function unmarkFinished(
  blob: PageBlobClient,
  restorePointId: string,
  leaseId: string,
  known?: Record<string, string>,
): Promise<void> {
  const metadata = { ...(known ?? (await blob.getProperties()).metadata ?? {}) };
  if (metadata[TAG_RESTORE_RUN] !== restorePointId) return;
  delete metadata[TAG_RESTORE_RUN];
  await blob.setMetadata(metadata, { conditions: { leaseId } });
}

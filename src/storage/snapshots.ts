// Idempotent snapshots: a snapshot is tagged with metadata (the run that wanted it) and found by that tag
// before a new one is made, so an activity that runs twice never leaves two snapshots behind.
import type { ContainerClient } from "@azure/storage-blob";
import { isTransient } from "./errors";
import type { BlobLocation } from "./urls";

export interface TaggedSnapshot {
  snapshot: string;
  metadata: Record<string, string>;
}

/** Snapshots of one blob whose metadata contains every key/value of `tag`, oldest first. */
export async function findSnapshots(
  container: ContainerClient,
  blob: BlobLocation,
  tag: Record<string, string>,
): Promise<TaggedSnapshot[]> {
  const found: TaggedSnapshot[] = [];
  const name = blob.blobName ?? "";
  const listing = container.listBlobsFlat({ prefix: name, includeSnapshots: true, includeMetadata: true });
  for await (const item of listing) {
    if (item.name !== name || !item.snapshot) continue;
    const metadata = item.metadata ?? {};
    if (Object.entries(tag).every(([k, v]) => metadata[k] === v))
      found.push({ snapshot: item.snapshot, metadata });
  }
  return found.sort((a, b) => a.snapshot.localeCompare(b.snapshot));
}

export interface EnsureSnapshotOptions {
  /** Metadata that identifies this snapshot (e.g. disk id and restore point id); stored on the snapshot. */
  tag: Record<string, string>;
  /** Extra metadata stored with it. */
  metadata?: Record<string, string>;
  leaseId?: string;
  maxAttempts?: number;
}

/**
 * Returns the snapshot tagged `tag`, creating it if none exists. If a retried create left duplicates,
 * the oldest wins and the others are deleted.
 */
export async function ensureSnapshot(
  container: ContainerClient,
  blob: BlobLocation,
  options: EnsureSnapshotOptions,
): Promise<string> {
  const client = container.getBlobClient(blob.blobName ?? "");
  const maxAttempts = options.maxAttempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    const found = await findSnapshots(container, blob, options.tag);
    const [first, ...duplicates] = found;
    if (first) {
      for (const dup of duplicates) await client.withSnapshot(dup.snapshot).deleteIfExists();
      return first.snapshot;
    }
    try {
      await client.createSnapshot({
        metadata: { ...options.metadata, ...options.tag },
        conditions: options.leaseId ? { leaseId: options.leaseId } : undefined,
      });
    } catch (error) {
      if (!isTransient(error) || attempt >= maxAttempts) throw error;
      await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
    }
  }
}

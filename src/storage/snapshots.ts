// Idempotent snapshots: a snapshot is tagged with metadata (the run that wanted it) and looked up by that
// tag after it is made (the oldest wins), so an activity that runs twice never leaves two snapshots
// behind. The service's snapshot limits come back as coded failures: a rate limit to wait out, a count to fix.
import type { ContainerClient } from "@azure/storage-blob";
import { SNAPSHOT_COUNT_EXCEEDED, SNAPSHOT_RATE_LIMITED } from "../app/codes";
import { CodedError } from "../app/result";
import { errorCode, isTransient } from "./errors";
import type { BlobLocation } from "./urls";

export interface TaggedSnapshot {
  snapshot: string;
  metadata: Record<string, string>;
  /** The snapshot's size (a page blob's provisioned bytes), as the listing reports it. */
  sizeBytes: number;
}

/** A snapshot ensured, with what the listing that found it said of it and of the blob's other snapshots. */
export interface EnsuredSnapshot extends TaggedSnapshot {
  /** Every snapshot of the blob in that listing (this one included), oldest first. */
  snapshots: TaggedSnapshot[];
}

/** Every snapshot of one blob, oldest first, with its metadata. */
export async function listSnapshots(
  container: ContainerClient,
  blob: BlobLocation,
): Promise<TaggedSnapshot[]> {
  return (await listWithBase(container, blob)).snapshots;
}

/** The blob's snapshots, and the base blob's access tier from the same listing (undefined if absent). */
async function listWithBase(
  container: ContainerClient,
  blob: BlobLocation,
): Promise<{ snapshots: TaggedSnapshot[]; tier: string | undefined }> {
  const found: TaggedSnapshot[] = [];
  let tier: string | undefined;
  const name = blob.blobName ?? "";
  const listing = container.listBlobsFlat({ prefix: name, includeSnapshots: true, includeMetadata: true });
  for await (const item of listing) {
    if (item.name !== name) continue;
    if (item.snapshot) {
      const sizeBytes = item.properties.contentLength ?? 0;
      found.push({ snapshot: item.snapshot, metadata: item.metadata ?? {}, sizeBytes });
    } else tier = item.properties.accessTier;
  }
  return { snapshots: found.sort((a, b) => a.snapshot.localeCompare(b.snapshot)), tier };
}

/** Whether the snapshot's metadata contains every key/value of `tag`. */
const hasTag = (snapshot: TaggedSnapshot, tag: Record<string, string>) =>
  Object.entries(tag).every(([k, v]) => snapshot.metadata[k] === v);

/** The snapshots tagged `tag` taken before `than` (snapshot ids are their creation times), oldest first. */
export function taggedBefore(
  snapshots: readonly TaggedSnapshot[],
  tag: Record<string, string>,
  than: string,
): string[] {
  return snapshots.filter((s) => hasTag(s, tag) && s.snapshot < than).map((s) => s.snapshot);
}

/** Snapshots of one blob whose metadata contains every key/value of `tag`, oldest first. */
export async function findSnapshots(
  container: ContainerClient,
  blob: BlobLocation,
  tag: Record<string, string>,
): Promise<TaggedSnapshot[]> {
  const all = await listSnapshots(container, blob);
  return all.filter((s) => hasTag(s, tag));
}

/** Premium page blobs: one snapshot per blob per 10 minutes, 100 snapshots per blob. */
export const PREMIUM_SNAPSHOT_INTERVAL_MS = 10 * 60_000;
export const PREMIUM_MAX_SNAPSHOTS = 100;

/** The service's two spellings of the snapshot rate error (REST docs and the JS enum differ). */
const RATE_CODES = new Set(["SnapshotOperationRateExceeded", "SnaphotOperationRateExceeded"]);

/** Premium page blobs report a P-tier (P4 … P80). */
export const isPremiumTier = (tier: string | undefined) => tier !== undefined && /^P\d+$/.test(tier);

/**
 * Why a blob takes no more snapshots by the service's limits: a premium blob at its snapshot count
 * (said when the service refuses one); undefined when the limits allow another.
 */
export function snapshotLimitProblem(count: number, tier: string | undefined): string | undefined {
  if (!isPremiumTier(tier) || count < PREMIUM_MAX_SNAPSHOTS) return undefined;
  return `it has ${count} snapshots, the limit of a premium page blob (${PREMIUM_MAX_SNAPSHOTS})`;
}

/** How long to wait for the next snapshot of a premium blob whose newest snapshot is `newest`. */
export function snapshotRetryAfterMs(newest: string | undefined, now: number): number {
  const taken = newest === undefined ? Number.NaN : Date.parse(newest);
  const elapsed = Number.isFinite(taken) ? Math.max(0, now - taken) : 0;
  return Math.max(30_000, PREMIUM_SNAPSHOT_INTERVAL_MS - elapsed + 5_000);
}

export interface EnsureSnapshotOptions {
  /** Metadata that identifies this snapshot (e.g. disk id and restore point id); stored on the snapshot. */
  tag: Record<string, string>;
  /** Extra metadata stored with it. */
  metadata?: Record<string, string>;
  leaseId?: string;
  maxAttempts?: number;
  /**
   * Called with the snapshot as soon as the service made it, before the lookup that may keep an older one
   * of a retried step's instead (and delete this one): work begun on it must be redone on a mismatch.
   */
  onCreated?: (snapshot: string) => void;
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
  return (await ensureSnapshotListed(container, blob, options)).snapshot;
}

/** The oldest snapshot tagged `tag` in a listing, with the younger ones deleted (a retry's duplicates). */
async function keepOldestTagged(
  container: ContainerClient,
  blob: BlobLocation,
  listed: TaggedSnapshot[],
  tag: Record<string, string>,
): Promise<EnsuredSnapshot | undefined> {
  const [first, ...duplicates] = listed.filter((s) => hasTag(s, tag));
  if (!first) return undefined;
  const client = container.getBlobClient(blob.blobName ?? "");
  for (const dup of duplicates) await client.withSnapshot(dup.snapshot).deleteIfExists();
  const removed = new Set(duplicates.map((d) => d.snapshot));
  return { ...first, snapshots: listed.filter((s) => !removed.has(s.snapshot)) };
}

/**
 * {@link ensureSnapshot}, returning what its listing says too: the snapshot's size and the blob's other
 * snapshots (a caller that needs them asks no more requests). The snapshot is made first and looked up
 * after (one listing, not one before and one after): a retried step makes a duplicate, which the lookup
 * deletes in favour of the older one. A refused snapshot is looked up too (a retry's earlier snapshot
 * wins over the service's limits), and the refusal says how many snapshots the blob has.
 */
export async function ensureSnapshotListed(
  container: ContainerClient,
  blob: BlobLocation,
  options: EnsureSnapshotOptions,
): Promise<EnsuredSnapshot> {
  const client = container.getBlobClient(blob.blobName ?? "");
  const maxAttempts = options.maxAttempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    let refused: unknown;
    try {
      const created = await client.createSnapshot({
        metadata: { ...options.metadata, ...options.tag },
        conditions: options.leaseId ? { leaseId: options.leaseId } : undefined,
      });
      if (created.snapshot) options.onCreated?.(created.snapshot);
    } catch (error) {
      refused = error;
    }
    const { snapshots: all, tier } = await listWithBase(container, blob);
    const found = await keepOldestTagged(container, blob, all, options.tag);
    if (found) return found;
    if (refused === undefined) {
      if (attempt >= maxAttempts) throw new Error(`${blob.url}: a snapshot was made but not listed`);
      continue;
    }
    const code = errorCode(refused);
    if (code !== undefined && RATE_CODES.has(code)) {
      const retryAfterMs = snapshotRetryAfterMs(all.at(-1)?.snapshot, Date.now());
      throw new CodedError(
        SNAPSHOT_RATE_LIMITED,
        `${blob.url} takes no snapshot now (${code}: premium page blobs allow one per 10 minutes); waiting ${Math.round(retryAfterMs / 1000)} s`,
        { retryAfterMs, cause: refused },
      );
    }
    if (code === "SnapshotCountExceeded")
      throw countExceeded(
        blob,
        snapshotLimitProblem(all.length, tier) ?? `it has ${all.length} snapshots, the service's limit`,
      );
    if (!isTransient(refused) || attempt >= maxAttempts) throw refused;
    await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
  }
}

function countExceeded(blob: BlobLocation, problem: string): CodedError {
  return new CodedError(
    SNAPSHOT_COUNT_EXCEEDED,
    `${blob.url} cannot take another snapshot: ${problem}. This app keeps only its newest snapshot of a disk; delete snapshots made by others, then the next backup goes on`,
  );
}

// The stamp on a backup blob: which restore point's data it holds completely, and which run is writing
// into it now. An incremental is applied only onto the restore point it continues, so the next backup
// checks the stamp against the lineage before it trusts the blob (anything else means a full copy).
import type { BlobClient } from "@azure/storage-blob";
import { holdLease, propertiesUnderLease } from "../storage/lease";

/** Metadata: the restore point whose data the blob holds completely (set when that point completes). */
export const STAMP_HOLDS = "backupholds";
/** Metadata: the restore point of the run writing into the blob now (removed when it completes). */
export const STAMP_WRITING = "backupwriting";

export interface Stamp {
  /** Restore point the blob holds completely, or undefined (new, rewritten, or stamped by no one). */
  holds: string | undefined;
  /** Restore point of a run that started writing and has not completed, if any. */
  writing: string | undefined;
}

export function stampOf(metadata: Record<string, string> | undefined): Stamp {
  const holds = metadata?.[STAMP_HOLDS] || undefined;
  const writing = metadata?.[STAMP_WRITING] || undefined;
  return { holds, writing };
}

/**
 * Why the blob cannot take an incremental on top of `parent` (undefined: it can). A run may resume its
 * own writes (`self`), never another run's.
 */
export function stampMismatch(stamp: Stamp, parent: string, self: string): string | undefined {
  if (stamp.writing !== undefined && stamp.writing !== self) {
    return `run of restore point ${stamp.writing} wrote into the backup blob and did not complete`;
  }
  if (stamp.holds === undefined)
    return "the backup blob carries no stamp (created or rewritten outside a backup)";
  if (stamp.holds !== parent) {
    return `the backup blob holds restore point ${stamp.holds}, the lineage's newest is ${parent}`;
  }
  return undefined;
}

/**
 * Replaces the stamp, keeping every other metadata entry (setMetadata replaces the whole set); `metadata`:
 * the blob's current metadata when the caller knows it (saves reading it again). Returns the metadata
 * written.
 */
export async function writeStamp(
  blob: BlobClient,
  stamp: Stamp,
  options: { leaseId?: string | undefined; metadata?: Record<string, string> | undefined } = {},
): Promise<Record<string, string>> {
  const current =
    options.metadata ??
    (await blob.getProperties({ conditions: options.leaseId ? { leaseId: options.leaseId } : undefined }))
      .metadata;
  const metadata: Record<string, string> = { ...current };
  delete metadata[STAMP_HOLDS];
  delete metadata[STAMP_WRITING];
  if (stamp.holds) metadata[STAMP_HOLDS] = stamp.holds;
  if (stamp.writing) metadata[STAMP_WRITING] = stamp.writing;
  await blob.setMetadata(metadata, {
    conditions: options.leaseId ? { leaseId: options.leaseId } : undefined,
  });
  return metadata;
}

/**
 * {@link writeStamp} under this run's lease, taken or renewed now (fails if another writer holds it): the
 * blob's metadata is read beside the lease, not after it. Returns the metadata written.
 */
export async function writeStampUnderLease(
  blob: BlobClient,
  stamp: Stamp,
  lease: { leaseId: string; seconds: number },
): Promise<Record<string, string>> {
  const { leaseId, seconds } = lease;
  const props = await propertiesUnderLease(blob, holdLease(blob, leaseId, seconds));
  return writeStamp(blob, stamp, { leaseId, metadata: props.metadata ?? {} });
}

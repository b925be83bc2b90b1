// The restore point record (its field names are a contract: docs/architecture.md, "Lineage") and its
// Table Storage keys: PartitionKey = disk id, RowKey sorts newest first and stays unique per point.

export type RestorePointKind = "full" | "incremental" | "restored";
/** `deleting`: retention is deleting the point (its backup snapshot, then its row); restores refuse it. */
export type RestorePointStatus = "completed" | "failed" | "deleting";

export interface RestorePoint {
  restorePointId: string;
  diskId: string;
  sourceUrl: string;
  sourceSnapshot: string;
  backupUrl: string;
  backupSnapshot: string;
  parentRestorePointId: string | null;
  kind: RestorePointKind;
  diskSizeBytes: number;
  changedBytes: number;
  clearedBytes: number;
  rangeCount: number;
  startedAt: string;
  completedAt: string;
  runId: string;
  status: RestorePointStatus;
  /** Why the point is full (first backup, chain break) or why it failed; null otherwise. */
  reason: string | null;
  /**
   * The verification result as JSON text: for restored points the restore's verification, for backups
   * the rolling (or full) comparison with the source snapshot (src/verification/record.ts).
   */
  verification?: string;
  /** `managedDisk` for a managed disk's points; absent (or `pageBlob`) for a page blob's. */
  sourceKind?: SourceKind;
  /** Managed disks: the disk's resource ID (also in `sourceUrl`). */
  sourceResourceId?: string;
  /** Managed disks: the disk's uniqueId when the snapshot was taken (a recreated disk has another). */
  sourceUniqueId?: string;
  /** Managed disks: the incremental snapshot this point was copied from (the next backup's diff base). */
  snapshotResourceId?: string;
  /** Managed disks: what a restore needs to make a disk like it, as JSON text (see SourceDiskFacts). */
  sourceDisk?: string;
  /** Held: never deleted by retention, whatever the policy. */
  hold?: boolean;
  /** Verification found a mismatch between the backup snapshot and its source snapshot. */
  suspect?: boolean;
}

export type SourceKind = "pageBlob" | "managedDisk";

/** What a restore to a managed disk reads from a managed disk's restore point (the `sourceDisk` column). */
export interface SourceDiskFacts {
  location: string;
  sku: string;
  /** The disk's size without the 512-byte VHD footer. */
  diskSizeBytes: number;
  osType?: string;
  hyperVGeneration?: string;
}

/** The `sourceDisk` facts of a point, if it has readable ones. */
export function sourceDiskOf(point: Pick<RestorePoint, "sourceDisk">): SourceDiskFacts | undefined {
  if (!point.sourceDisk) return undefined;
  try {
    const facts = JSON.parse(point.sourceDisk) as Partial<SourceDiskFacts>;
    if (typeof facts.location !== "string" || typeof facts.sku !== "string") return undefined;
    return facts as SourceDiskFacts;
  } catch {
    return undefined;
  }
}

/** Largest millisecond timestamp that fits 13 digits (year 2286): inverted times sort newest first. */
const MAX_MS = 9_999_999_999_999;

/** Table keys may not hold / \ # ? or control characters; ids here are built from safe characters only. */
export function isTableKeySafe(key: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what is forbidden
  return key.length > 0 && key.length <= 512 && !/[/\\#?\u0000-\u001f\u007f-\u009f]/.test(key);
}

/** RowKey of a restore point: `<13-digit inverted start ms>-<restorePointId>`. */
export function rowKeyOf(point: Pick<RestorePoint, "startedAt" | "restorePointId">): string {
  const ms = Date.parse(point.startedAt);
  if (!Number.isFinite(ms)) throw new Error(`startedAt "${point.startedAt}" is not a timestamp`);
  const key = `${String(MAX_MS - ms).padStart(13, "0")}-${point.restorePointId}`;
  if (!isTableKeySafe(key))
    throw new Error(`restore point id "${point.restorePointId}" is not Table-key-safe`);
  return key;
}

/** A restore point id readable by a person and sortable: `20250101T120000Z-1a2b3c4d`. */
export function restorePointIdOf(startedAt: string, uniqueHex: string): string {
  const compact = new Date(startedAt)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
  return `${compact}-${uniqueHex
    .replace(/[^0-9a-f]/gi, "")
    .slice(0, 8)
    .toLowerCase()}`;
}

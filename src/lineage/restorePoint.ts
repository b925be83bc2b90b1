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
  /** Held: never deleted by retention, whatever the policy. */
  hold?: boolean;
  /** Verification found a mismatch between the backup snapshot and its source snapshot. */
  suspect?: boolean;
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

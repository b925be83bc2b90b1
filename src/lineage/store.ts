// The lineage store: restore points in one Table Storage table, upserted by key so every write is
// idempotent; queries return points newest first.
import { odata, type TableClient, type TableEntityResult } from "@azure/data-tables";
import type { StorageAccess } from "../storage/clients";
import { statusOf } from "../storage/errors";
import type { TableLocation } from "../storage/urls";
import { type RestorePoint, rowKeyOf } from "./restorePoint";

type Row = Omit<RestorePoint, "parentRestorePointId" | "reason"> & {
  partitionKey: string;
  rowKey: string;
  parentRestorePointId: string;
  reason: string;
};

const ensured = new Set<string>();

function toRow(point: RestorePoint): Row {
  return {
    ...point,
    partitionKey: point.diskId,
    rowKey: rowKeyOf(point),
    parentRestorePointId: point.parentRestorePointId ?? "",
    reason: point.reason ?? "",
  };
}

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function num(value: unknown): number {
  return typeof value === "number" ? value : Number(value ?? 0);
}

/** A restore point from its table row (missing fields read as empty). */
export function fromRow(row: TableEntityResult<Record<string, unknown>>): RestorePoint {
  return {
    restorePointId: str(row.restorePointId),
    diskId: str(row.diskId),
    sourceUrl: str(row.sourceUrl),
    sourceSnapshot: str(row.sourceSnapshot),
    backupUrl: str(row.backupUrl),
    backupSnapshot: str(row.backupSnapshot),
    parentRestorePointId: str(row.parentRestorePointId) || null,
    kind: str(row.kind) as RestorePoint["kind"],
    diskSizeBytes: num(row.diskSizeBytes),
    changedBytes: num(row.changedBytes),
    clearedBytes: num(row.clearedBytes),
    rangeCount: num(row.rangeCount),
    startedAt: str(row.startedAt),
    completedAt: str(row.completedAt),
    runId: str(row.runId),
    status: str(row.status) as RestorePoint["status"],
    reason: str(row.reason) || null,
    ...(str(row.verification) ? { verification: str(row.verification) } : {}),
    ...(row.hold === true ? { hold: true } : {}),
    ...(row.suspect === true ? { suspect: true } : {}),
    ...managedFieldsOf(row),
  };
}

const MANAGED_FIELDS = ["sourceResourceId", "sourceUniqueId", "snapshotResourceId", "sourceDisk"] as const;

/** The managed-disk columns (absent on a page blob's rows). */
function managedFieldsOf(row: Record<string, unknown>): Partial<RestorePoint> {
  const fields: Partial<RestorePoint> = {};
  const kind = str(row.sourceKind);
  if (kind === "managedDisk" || kind === "pageBlob") fields.sourceKind = kind;
  for (const name of MANAGED_FIELDS) if (str(row[name])) fields[name] = str(row[name]);
  return fields;
}

export class LineageStore {
  readonly table: TableClient;
  private readonly key: string;

  constructor(storage: StorageAccess, location: TableLocation) {
    this.table = storage.table(location);
    this.key = location.url;
  }

  /** Creates the table once per process (tolerates it existing already). */
  async ensureTable(): Promise<void> {
    if (ensured.has(this.key)) return;
    try {
      await this.table.createTable();
    } catch (error) {
      if (statusOf(error) !== 409) throw error;
    }
    ensured.add(this.key);
  }

  /** Insert or replace by (disk id, start time, id): running it twice leaves one row. */
  async upsert(point: RestorePoint): Promise<void> {
    await this.ensureTable();
    await this.table.upsertEntity(toRow(point), "Replace");
  }

  /** A disk's restore points, newest first (all statuses). */
  async list(diskId: string, options: { status?: RestorePoint["status"] } = {}): Promise<RestorePoint[]> {
    await this.ensureTable();
    const filter = options.status
      ? odata`PartitionKey eq ${diskId} and status eq ${options.status}`
      : odata`PartitionKey eq ${diskId}`;
    const rows: Array<TableEntityResult<Record<string, unknown>>> = [];
    for await (const row of this.table.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
      rows.push(row);
    }
    rows.sort((a, b) => (a.rowKey ?? "").localeCompare(b.rowKey ?? ""));
    return rows.map(fromRow);
  }

  /** The newest completed restore point of a disk: the base of its next incremental backup. */
  async latestCompleted(diskId: string): Promise<RestorePoint | undefined> {
    return (await this.list(diskId, { status: "completed" }))[0];
  }

  async get(diskId: string, restorePointId: string): Promise<RestorePoint | undefined> {
    await this.ensureTable();
    const filter = odata`PartitionKey eq ${diskId} and restorePointId eq ${restorePointId}`;
    for await (const row of this.table.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
      return fromRow(row);
    }
    return undefined;
  }
}

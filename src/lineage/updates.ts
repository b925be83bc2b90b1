// Conditional changes to one lineage row (ETag-guarded merges and deletes), for the writers that race
// each other on the same row: retention marking a point `deleting` and a person holding it, for one.
import { odata, type TableEntityResult } from "@azure/data-tables";
import { statusOf } from "../storage/errors";
import type { RestorePoint } from "./restorePoint";
import { fromRow, type LineageStore } from "./store";

/** A row as read: the restore point, its keys and the ETag a conditional write compares. */
export interface RowRef {
  point: RestorePoint;
  partitionKey: string;
  rowKey: string;
  etag: string;
}

/** Reads one restore point's row with its ETag; undefined when there is none. */
export async function readRow(
  store: LineageStore,
  diskId: string,
  restorePointId: string,
): Promise<RowRef | undefined> {
  await store.ensureTable();
  const filter = odata`PartitionKey eq ${diskId} and restorePointId eq ${restorePointId}`;
  const rows = store.table.listEntities<Record<string, unknown>>({ queryOptions: { filter } });
  for await (const row of rows as AsyncIterable<TableEntityResult<Record<string, unknown>>>) {
    return { point: fromRow(row), partitionKey: diskId, rowKey: row.rowKey ?? "", etag: row.etag };
  }
  return undefined;
}

/**
 * Merges `fields` into the row if it is unchanged since `ref` was read (an ETag of `*`: whatever was
 * written since, for fields no other writer sets); false when someone wrote first or the row is gone.
 */
export async function mergeIfUnchanged(
  store: LineageStore,
  ref: Pick<RowRef, "partitionKey" | "rowKey" | "etag">,
  fields: Record<string, string | number | boolean>,
): Promise<boolean> {
  try {
    await store.table.updateEntity(
      { partitionKey: ref.partitionKey, rowKey: ref.rowKey, ...fields },
      "Merge",
      {
        etag: ref.etag,
      },
    );
    return true;
  } catch (error) {
    if (statusOf(error) === 412 || statusOf(error) === 404) return false;
    throw error;
  }
}

/** Deletes the row if it is unchanged since read (true), already gone (true), or changed (false). */
export async function removeIfUnchanged(store: LineageStore, ref: RowRef): Promise<boolean> {
  try {
    await store.table.deleteEntity(ref.partitionKey, ref.rowKey, { etag: ref.etag });
    return true;
  } catch (error) {
    if (statusOf(error) === 404) return true;
    if (statusOf(error) === 412) return false;
    throw error;
  }
}

/**
 * Reads the row and applies `change` under its ETag, re-reading when another writer got there first.
 * `change` returns the fields to merge, or a value to return without writing.
 */
export async function updateRow<T>(
  store: LineageStore,
  diskId: string,
  restorePointId: string,
  change: (ref: RowRef) => { merge: Record<string, string | number | boolean>; result: T } | { result: T },
  missing: () => T,
  maxAttempts = 10,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const ref = await readRow(store, diskId, restorePointId);
    if (!ref) return missing();
    const decision = change(ref);
    if (!("merge" in decision)) return decision.result;
    if (await mergeIfUnchanged(store, ref, decision.merge)) return decision.result;
    if (attempt >= maxAttempts) {
      throw new Error(`restore point ${diskId}/${restorePointId} kept changing under ${maxAttempts} updates`);
    }
  }
}

/** Every row of a disk with its ETag (any order). */
export async function listRows(store: LineageStore, diskId: string): Promise<RowRef[]> {
  await store.ensureTable();
  const filter = odata`PartitionKey eq ${diskId}`;
  const refs: RowRef[] = [];
  const rows = store.table.listEntities<Record<string, unknown>>({ queryOptions: { filter } });
  for await (const row of rows as AsyncIterable<TableEntityResult<Record<string, unknown>>>) {
    refs.push({ point: fromRow(row), partitionKey: diskId, rowKey: row.rowKey ?? "", etag: row.etag });
  }
  return refs;
}

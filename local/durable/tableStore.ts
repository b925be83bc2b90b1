// Persists instances in Azure Table storage (the emulator locally): one <hub>Instances row per
// instance and one <hub>History row per history event, so a restarted host resumes every instance.
import { odata, TableClient, type TableEntity, type TransactionAction } from "@azure/data-tables";
import type { HistoryEvent } from "./history";
import type { InstanceRecord, RuntimeStatus } from "./instance";
import type { DurableStore, SaveOptions } from "./store";

type Row = TableEntity<Record<string, unknown>>;

/** Table string properties hold at most 64 KiB (32K UTF-16 units); longer JSON is split. */
const CHUNK = 30_000;
const JSON_FIELDS = [
  "input",
  "output",
  "customStatus",
  "parent",
  "inbox",
  "activities",
  "timers",
  "children",
] as const;

function writeChunked(row: Record<string, unknown>, name: string, value: unknown): void {
  const text = JSON.stringify(value ?? null);
  const parts = Math.max(1, Math.ceil(text.length / CHUNK));
  row[`${name}_parts`] = parts;
  for (let i = 0; i < parts; i++) row[`${name}_${i}`] = text.slice(i * CHUNK, (i + 1) * CHUNK);
}

function readChunked(row: Record<string, unknown>, name: string): unknown {
  const parts = Number(row[`${name}_parts`] ?? 0);
  let text = "";
  for (let i = 0; i < parts; i++) text += String(row[`${name}_${i}`] ?? "");
  return text === "" ? null : JSON.parse(text);
}

/** Table keys may not contain / \ # ? or control characters. */
function key(instanceId: string): string {
  return encodeURIComponent(instanceId);
}

export class TableStore implements DurableStore {
  readonly #instances: TableClient;
  readonly #history: TableClient;

  private constructor(instances: TableClient, history: TableClient) {
    this.#instances = instances;
    this.#history = history;
  }

  static async create(connectionString: string, hubName: string): Promise<TableStore> {
    const hub = hubName.replace(/[^A-Za-z0-9]/g, "");
    const open = (suffix: string) =>
      TableClient.fromConnectionString(connectionString, `${hub}${suffix}`, {
        allowInsecureConnection: true,
      });
    const store = new TableStore(open("Instances"), open("History"));
    await Promise.all([store.#instances.createTable(), store.#history.createTable()]);
    return store;
  }

  async loadAll(): Promise<InstanceRecord[]> {
    const records: InstanceRecord[] = [];
    for await (const row of this.#instances.listEntities<Record<string, unknown>>()) {
      const history: HistoryEvent[] = [];
      const filter = odata`PartitionKey eq ${row.partitionKey}`;
      for await (const h of this.#history.listEntities<Record<string, unknown>>({
        queryOptions: { filter },
      })) {
        history.push(readChunked(h, "event") as HistoryEvent);
      }
      // Rows past historyCount belong to an episode whose instance row was never written: drop them.
      records.push(toRecord(row, history.slice(0, Number(row.historyCount ?? 0))));
    }
    return records;
  }

  async save(record: InstanceRecord, options: SaveOptions): Promise<void> {
    const pk = key(record.instanceId);
    if (options.historyReset) await this.#deleteHistory(pk);
    const actions: TransactionAction[] = record.history.slice(options.historyFrom).map((event, i) => {
      const row: Record<string, unknown> = {
        partitionKey: pk,
        rowKey: String(options.historyFrom + i).padStart(8, "0"),
        executionId: record.executionId,
      };
      writeChunked(row, "event", event);
      return ["upsert", row as Row, "Replace"];
    });
    await this.#submit(actions);
    const row: Record<string, unknown> = {
      partitionKey: pk,
      rowKey: "",
      instanceId: record.instanceId,
      name: record.name,
      version: record.version,
      executionId: record.executionId,
      status: record.status,
      createdTime: record.createdTime,
      lastUpdatedTime: record.lastUpdatedTime,
      historyCount: record.history.length,
    };
    for (const field of JSON_FIELDS) writeChunked(row, field, record[field]);
    await this.#instances.upsertEntity(row as Row, "Replace");
  }

  async delete(instanceId: string): Promise<void> {
    const pk = key(instanceId);
    await this.#deleteHistory(pk);
    await this.#instances.deleteEntity(pk, "").catch((error: { statusCode?: number }) => {
      if (error.statusCode !== 404) throw error;
    });
  }

  async #deleteHistory(pk: string): Promise<void> {
    const actions: TransactionAction[] = [];
    const filter = odata`PartitionKey eq ${pk}`;
    const select = ["PartitionKey", "RowKey"];
    for await (const h of this.#history.listEntities({ queryOptions: { filter, select } })) {
      actions.push(["delete", { partitionKey: pk, rowKey: String(h.rowKey) }]);
    }
    await this.#submit(actions);
  }

  /** Entity group transactions take at most 100 operations and 4 MiB. */
  async #submit(actions: TransactionAction[]): Promise<void> {
    let batch: TransactionAction[] = [];
    let bytes = 0;
    for (const action of actions) {
      const size = JSON.stringify(action[1]).length * 2;
      if (batch.length === 100 || (batch.length > 0 && bytes + size > 3_000_000)) {
        await this.#history.submitTransaction(batch);
        batch = [];
        bytes = 0;
      }
      batch.push(action);
      bytes += size;
    }
    if (batch.length > 0) await this.#history.submitTransaction(batch);
  }
}

function toRecord(row: Record<string, unknown>, history: HistoryEvent[]): InstanceRecord {
  const json = (name: (typeof JSON_FIELDS)[number]) => readChunked(row, name);
  return {
    instanceId: String(row.instanceId),
    name: String(row.name),
    version: String(row.version ?? ""),
    executionId: String(row.executionId),
    status: String(row.status) as RuntimeStatus,
    input: json("input") as string | null,
    output: json("output") as string | null,
    customStatus: json("customStatus") as string | null,
    createdTime: String(row.createdTime),
    lastUpdatedTime: String(row.lastUpdatedTime),
    parent: json("parent") as InstanceRecord["parent"],
    history,
    inbox: (json("inbox") ?? []) as InstanceRecord["inbox"],
    activities: (json("activities") ?? []) as InstanceRecord["activities"],
    timers: (json("timers") ?? []) as InstanceRecord["timers"],
    children: (json("children") ?? []) as InstanceRecord["children"],
  };
}

// Where the engine persists instances. The engine keeps every instance in memory and writes through to
// the store, so a store only needs to save, delete and load everything at start.
import type { InstanceRecord } from "./instance";

export interface SaveOptions {
  /** Index of the first history event the store has not seen yet. */
  historyFrom: number;
  /** The history was replaced (new execution): drop what the store holds first. */
  historyReset: boolean;
}

export interface DurableStore {
  loadAll(): Promise<InstanceRecord[]>;
  save(record: InstanceRecord, options: SaveOptions): Promise<void>;
  delete(instanceId: string): Promise<void>;
}

/** Keeps nothing beyond the engine's own memory: instances are lost when the host stops. */
export class MemoryStore implements DurableStore {
  async loadAll(): Promise<InstanceRecord[]> {
    return [];
  }
  async save(): Promise<void> {}
  async delete(): Promise<void> {}
}

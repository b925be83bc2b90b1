// The redo log under the group commit (durability.ts): a commit appends the Loki documents it changed,
// by $loki, whole or as patches of long range lists (redoPatch.ts), as one checksummed line, so its
// cost follows the change and not the store; a start replays the complete lines onto the snapshot
// Azurite loaded.
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { crc32 } from "node:zlib";
import { applyPatch, type DocumentPatch, forgetDocument, patchOf, rememberCollection } from "./redoPatch";

/** A stored document: Loki numbers them ($loki) in insertion order and keeps `data` sorted by it. */
export interface LokiDocument {
  $loki: number;
  [key: string]: unknown;
}

/** The part of a lokijs 1.5 collection the log reads and rebuilds (azurite 3.37.0 pins lokijs 1.5). */
export interface LokiCollection {
  name: string;
  data: LokiDocument[];
  idIndex: number[] | null;
  maxId: number;
  dirty: boolean;
  /** Filled by Loki's insert, update and remove while `isIncremental` is set. */
  dirtyIds: number[];
  isIncremental: boolean;
  uniqueNames: string[];
  get(id: number, returnPosition: true): [LokiDocument, number] | null;
  ensureId(): void;
  ensureAllIndexes(force: boolean): void;
  ensureUniqueIndex(field: string): unknown;
}

/** The part of a lokijs 1.5 database the group commit drives. */
export interface LokiDatabase {
  filename: string;
  collections: LokiCollection[];
  autosaveDirty(): boolean;
  autosaveClearFlags(): void;
  autosaveDisable(): void;
  serialize(): string;
  addCollection(name: string, options?: object): LokiCollection;
  removeCollection(name: string): void;
  getCollection(name: string): LokiCollection | null;
}

/** A collection added (with the options that build its indexes) or removed, in the order it happened. */
type CollectionOp = { add: string; options?: object } | { drop: string };

interface CollectionChanges {
  name: string;
  maxId: number;
  /** The documents' states at the commit (inserted or updated). */
  put: LokiDocument[];
  /** The $loki of removed documents. */
  del: number[];
  /** Documents logged as patches against their previous record (redoPatch.ts); absent in older logs. */
  patch?: DocumentPatch[];
}

/** What changed in one database between two commits. */
export interface DatabaseChanges {
  ops: CollectionOp[];
  colls: CollectionChanges[];
}

const pendingOps = new WeakMap<LokiDatabase, CollectionOp[]>();

function startTracking(coll: LokiCollection): void {
  coll.isIncremental = true;
  coll.dirtyIds = [];
}

/**
 * Starts recording what changes: Loki itself notes the $loki of every inserted, updated or removed
 * document (its incremental-adapter bookkeeping), and collection adds and removes are noted here.
 * Call after the database is loaded (Loki's loader adds collections through addCollection).
 */
export function trackChanges(db: LokiDatabase): void {
  const ops: CollectionOp[] = [];
  pendingOps.set(db, ops);
  for (const coll of db.collections) startTracking(coll);
  const add = db.addCollection.bind(db);
  const remove = db.removeCollection.bind(db);
  db.addCollection = (name, options) => {
    const existed = db.getCollection(name) !== null;
    const coll = add(name, options);
    if (!existed) {
      startTracking(coll);
      ops.push({
        add: name,
        options: options === undefined ? undefined : JSON.parse(JSON.stringify(options)),
      });
    }
    return coll;
  };
  db.removeCollection = (name) => {
    if (db.getCollection(name) !== null) ops.push({ drop: name });
    remove(name);
  };
}

export function hasChanges(db: LokiDatabase): boolean {
  return (pendingOps.get(db)?.length ?? 0) > 0 || db.collections.some((coll) => coll.dirtyIds?.length > 0);
}

/**
 * Takes what changed since the last call: the collection operations in order, then each present
 * collection's changed documents as they are now. A collection's documents all changed after its
 * last add, so applying the operations first and the documents after gives the same state; the
 * changes of a collection removed since are moot. The documents are live references: serialize them
 * before anything else runs.
 */
export function takeChanges(db: LokiDatabase): DatabaseChanges {
  const ops = pendingOps.get(db)?.splice(0) ?? [];
  const colls: CollectionChanges[] = [];
  for (const coll of db.collections) {
    if (coll.dirtyIds.length === 0) continue;
    const ids = new Set(coll.dirtyIds);
    coll.dirtyIds = [];
    const put: LokiDocument[] = [];
    const del: number[] = [];
    const patch: DocumentPatch[] = [];
    for (const id of ids) {
      const found = coll.get(id, true);
      if (found === null) {
        del.push(id);
        forgetDocument(coll, id);
        continue;
      }
      const patched = patchOf(coll, found[0]);
      if (patched === undefined) put.push(found[0]);
      else patch.push(patched);
    }
    colls.push({ name: coll.name, maxId: coll.maxId, put, del, ...(patch.length > 0 ? { patch } : {}) });
  }
  return { ops, colls };
}

/**
 * Drops what changed since the last call without logging it (a checkpoint is writing everything), and
 * makes the snapshot the base of later records' patches.
 */
export function dropChanges(db: LokiDatabase): void {
  pendingOps.get(db)?.splice(0);
  for (const coll of db.collections) {
    coll.dirtyIds = [];
    rememberCollection(coll);
  }
}

export const isEmpty = (changes: DatabaseChanges) => changes.ops.length === 0 && changes.colls.length === 0;

/** Binary search in the sorted idIndex: the position of id, or where it would go (negative - 1). */
function positionOf(ids: number[], id: number): number {
  let low = 0;
  let high = ids.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const at = ids[mid]!;
    if (at === id) return mid;
    if (at < id) low = mid + 1;
    else high = mid - 1;
  }
  return -low - 1;
}

/**
 * Replays changes in order onto a loaded database (before trackChanges): the database as the
 * checkpoint the log follows wrote it, since a patch applies only to the document it was taken from.
 * Indexes of the touched collections are rebuilt after.
 */
export function applyChanges(db: LokiDatabase, records: DatabaseChanges[]): void {
  const touched = new Set<LokiCollection>();
  for (const [n, changes] of records.entries()) {
    for (const op of changes.ops) {
      if ("add" in op) db.addCollection(op.add, op.options);
      else db.removeCollection(op.drop);
    }
    for (const change of changes.colls) {
      const coll = db.getCollection(change.name);
      if (coll === null) {
        throw new Error(`redo log of ${db.filename}: record ${n} changes missing collection ${change.name}`);
      }
      if (!touched.has(coll)) {
        coll.idIndex = coll.data.map((doc) => doc.$loki);
        touched.add(coll);
      }
      const ids = coll.idIndex!;
      for (const id of change.del) {
        const at = positionOf(ids, id);
        if (at < 0) continue;
        ids.splice(at, 1);
        coll.data.splice(at, 1);
      }
      for (const doc of change.put) {
        const at = positionOf(ids, doc.$loki);
        if (at >= 0) {
          coll.data[at] = doc;
        } else {
          ids.splice(-at - 1, 0, doc.$loki);
          coll.data.splice(-at - 1, 0, doc);
        }
      }
      for (const patch of change.patch ?? []) {
        const at = positionOf(ids, patch.doc.$loki);
        const where = `redo log of ${db.filename}: record ${n}`;
        if (at < 0) throw new Error(`${where} patches missing document ${patch.doc.$loki} of ${change.name}`);
        coll.data[at] = applyPatch(coll.data[at]!, patch, where);
      }
      coll.maxId = Math.max(coll.maxId, change.maxId);
    }
  }
  for (const coll of touched) {
    coll.ensureAllIndexes(true);
    for (const field of coll.uniqueNames) coll.ensureUniqueIndex(field);
    coll.dirty = true;
  }
}

/**
 * One record: the changes of every database of a group commit, in the group's order, and the
 * generation of the checkpoint the log follows (durability.ts; absent in older logs).
 */
export interface LogRecord {
  generation?: number;
  dbs: DatabaseChanges[];
}

const NEWLINE = 0x0a;
const SPACE = 0x20;

/** `<bytes> <crc32 hex> <json>\n`: a record cut short by a kill, or damaged, fails the length or the checksum. */
export function encodeRecord(record: LogRecord): Buffer {
  const json = Buffer.from(JSON.stringify(record));
  return Buffer.concat([Buffer.from(`${json.length} ${crc32(json).toString(16)} `), json, Buffer.from("\n")]);
}

/** The complete records at the start of a log; reading stops at the first torn or damaged one. */
export function decodeRecords(bytes: Buffer): LogRecord[] {
  const records: LogRecord[] = [];
  let at = 0;
  while (at < bytes.length) {
    const first = bytes.indexOf(SPACE, at);
    const second = first < 0 ? -1 : bytes.indexOf(SPACE, first + 1);
    if (second < 0) break;
    const length = Number(bytes.subarray(at, first).toString("latin1"));
    const checksum = bytes.subarray(first + 1, second).toString("latin1");
    const end = second + 1 + length;
    if (!Number.isSafeInteger(length) || length <= 0 || end >= bytes.length || bytes[end] !== NEWLINE) break;
    const json = bytes.subarray(second + 1, end);
    if (crc32(json).toString(16) !== checksum) break;
    try {
      records.push(JSON.parse(json.toString("utf8")) as LogRecord);
    } catch {
      break;
    }
    at = end + 1;
  }
  return records;
}

/** The append-only file: opened on first append, replaced by an empty one at each checkpoint. */
export class RedoLog {
  #fd: number | undefined;
  /** Bytes appended since the last reset. */
  bytes = 0;

  constructor(readonly path: string) {}

  read(): LogRecord[] {
    return existsSync(this.path) ? decodeRecords(readFileSync(this.path)) : [];
  }

  append(line: Buffer): void {
    this.#fd ??= openSync(this.path, "a");
    let written = 0;
    while (written < line.length) written += writeSync(this.#fd, line, written, line.length - written);
    this.bytes += line.length;
  }

  /**
   * Starts an empty log. The old file is unlinked rather than truncated (ext4 flushes a file truncated
   * to zero before returning); a kill in between leaves no log, which reads as empty.
   */
  reset(): void {
    this.close();
    rmSync(this.path, { force: true });
    this.#fd = openSync(this.path, "a");
    this.bytes = 0;
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}

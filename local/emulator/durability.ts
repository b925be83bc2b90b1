// Makes Azurite's disk mode keep what it acknowledged: its LokiJS stores only save on a 5-second
// timer, so a kill lost up to 5 s of answered requests. Here every store call waits, before its result
// goes back to the handler (and so before the response), for a save that includes its effects; calls
// that arrive while a save is being written share the next save (group commit).
import { AsyncLocalStorage } from "node:async_hooks";
import { existsSync, renameSync, rmSync, writeFileSync } from "node:fs";

/** The part of a LokiJS database this module drives (lokijs 1.5, as pinned by azurite 3.37.0). */
export interface LokiDatabase {
  autosaveDirty(): boolean;
  autosaveClearFlags(): void;
  autosaveDisable(): void;
  serialize(): string;
  filename: string;
}

export interface CommitStats {
  /** Group commits done (each writes every database of the group). */
  commits: number;
  /** Store calls that found unsaved changes and waited for a save. */
  waits: number;
  bytes: number;
  /** Time spent serializing (blocks the event loop) and writing (does not). */
  serializeMs: number;
  writeMs: number;
}

/**
 * Saves a set of Loki databases together: each save serializes every database at one instant and
 * writes them in the given order, each to a temporary file that then takes the old one's place (a
 * kill leaves the old file or the complete new one, never half of one; see recoverInterruptedSave). Order matters: the extent database goes before
 * the blob database, so the blobs on disk never refer to an extent the extents file does not list.
 * Calls that find unsaved changes are answered by one save at the end of the event-loop turn, so
 * requests finishing together share it (group commit).
 */
export class GroupCommit {
  readonly stats: CommitStats = { commits: 0, waits: 0, bytes: 0, serializeMs: 0, writeMs: 0 };
  readonly #dbs: LokiDatabase[];
  #waiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  #scheduled = false;
  #holds = 0;
  #failed = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(dbs: LokiDatabase[]) {
    this.#dbs = dbs;
  }

  #dirty(): boolean {
    return this.#failed || this.#dbs.some((db) => db.autosaveDirty());
  }

  /** Resolves once everything changed before this call is on disk. */
  sync(): Promise<void> {
    // Not dirty: every change so far was serialized by a save, and saves write before they return.
    if (!this.#dirty()) return Promise.resolve();
    this.stats.waits++;
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
      this.#schedule();
    });
  }

  /** Holds saves back (a table batch is half applied) until the returned release is called. */
  hold(): () => void {
    this.#holds++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#holds--;
      if (this.#waiters.length > 0) this.#schedule();
    };
  }

  /** Saves changes made outside requests (Azurite's GC) now and then, as the Loki timer did. */
  startBackgroundSaves(intervalMs: number): void {
    this.#timer = setInterval(() => {
      if (this.#dirty()) this.sync().catch(() => {});
    }, intervalMs);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    await this.sync();
  }

  #schedule(): void {
    if (this.#scheduled || this.#holds > 0) return;
    this.#scheduled = true;
    setImmediate(() => this.#save());
  }

  #save(): void {
    this.#scheduled = false;
    if (this.#holds > 0) return;
    const batch = this.#waiters.splice(0);
    try {
      this.#write(this.#snapshot());
    } catch (error) {
      this.#failed = true;
      for (const waiter of batch) waiter.reject(error);
      return;
    }
    for (const waiter of batch) waiter.resolve();
  }

  #snapshot(): { path: string; text: string }[] {
    const started = performance.now();
    // A database without changes is already on disk as it is (after a failed save, all are rewritten).
    const all = this.#failed;
    this.#failed = false;
    const files = this.#dbs
      .filter((db) => all || db.autosaveDirty())
      .map((db) => {
        db.autosaveClearFlags();
        return { path: db.filename, text: db.serialize() };
      });
    this.stats.serializeMs += performance.now() - started;
    return files;
  }

  // Synchronous on purpose: the files are small next to the page data, and the thread pool is busy
  // with Azurite's extent writes, behind which an asynchronous save would queue for milliseconds.
  // The old file is unlinked before the rename instead of being replaced by it: ext4 flushes a file
  // renamed over another (or truncated) before it returns, 2 ms or more per file on a busy disk.
  #write(files: { path: string; text: string }[]): void {
    const started = performance.now();
    this.stats.commits++;
    for (const file of files) {
      const temporary = temporaryOf(file.path);
      writeFileSync(temporary, file.text);
      rmSync(file.path, { force: true });
      renameSync(temporary, file.path);
      this.stats.bytes += file.text.length;
    }
    this.stats.writeMs += performance.now() - started;
  }
}

const temporaryOf = (path: string) => `${path}~`;

/**
 * Before a database is loaded: a kill between the unlink and the rename of a save leaves only the
 * complete temporary file, which then becomes the database. While the database file exists, a
 * temporary file beside it may be half written and is ignored (the next save overwrites it).
 */
export function recoverInterruptedSave(path: string): void {
  if (!existsSync(path) && existsSync(temporaryOf(path))) renameSync(temporaryOf(path), path);
}

type StoreMethod = (...args: unknown[]) => unknown;

/** The store calls made from inside another store call (a store's own helpers) do not wait again. */
const insideStore = new AsyncLocalStorage<true>();

export interface WrapRule {
  /** Index of the method's batchId argument: a call inside a table batch does not wait (the batch end does). */
  batchArg?: number;
}

/**
 * Replaces the named async methods of one store instance so that their result is returned only after
 * a save covering it. Reads wait too (only while something is unsaved), so nothing a client was shown
 * can be lost by a kill. Throws if a name is missing: the names belong to the pinned Azurite.
 */
export function wrapStoreMethods(
  store: object,
  methods: Record<string, WrapRule>,
  commit: GroupCommit,
): void {
  const target = store as Record<string, unknown>;
  for (const [name, rule] of Object.entries(methods)) {
    const original = target[name];
    if (typeof original !== "function") throw new Error(`Azurite store has no method ${name}`);
    const method = original as StoreMethod;
    target[name] = async function durable(this: unknown, ...args: unknown[]): Promise<unknown> {
      if (insideStore.getStore() === true) return method.apply(this, args);
      const inBatch = rule.batchArg !== undefined && typeof args[rule.batchArg] === "string";
      try {
        return await insideStore.run(true, () => method.apply(this, args));
      } finally {
        // A failed call may have changed state too (Azurite updates expired leases as it reads them).
        if (!inBatch) await commit.sync();
      }
    };
  }
}

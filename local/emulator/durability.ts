// Makes Azurite's disk mode keep what it acknowledged: its LokiJS stores only save on a 5-second
// timer, so a kill lost up to 5 s of answered requests. Here every store call waits, before its result
// goes back to the handler (and so before the response), for a save that includes its effects; calls
// that arrive while a save is being written share the next save (group commit).
import { AsyncLocalStorage } from "node:async_hooks";
import { open, rename } from "node:fs/promises";

/** The part of a LokiJS database this module drives (lokijs 1.5, as pinned by azurite 3.37.0). */
export interface LokiDatabase {
  autosaveDirty(): boolean;
  autosaveClearFlags(): void;
  autosaveDisable(): void;
  serialize(): string;
  filename: string;
}

export interface CommitStats {
  saves: number;
  bytes: number;
  waits: number;
}

/**
 * Saves a set of Loki databases together: each save serializes every database at one instant, then
 * writes them in the given order, each to a temporary file renamed over the old one (a kill leaves
 * the old file or the new one, never half of one). Order matters: the extent database goes before
 * the blob database, so the blobs on disk never refer to an extent the extents file does not list.
 */
export class GroupCommit {
  readonly stats: CommitStats = { saves: 0, bytes: 0, waits: 0 };
  readonly #dbs: LokiDatabase[];
  #running: Promise<void> | undefined;
  #waiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
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
    // Not dirty: every change so far is in the save being written (flags clear at serialization) or saved.
    if (!this.#dirty()) return this.#running ?? Promise.resolve();
    this.stats.waits++;
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
      this.#pump();
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
      this.#pump();
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

  #pump(): void {
    if (this.#running !== undefined || this.#holds > 0 || this.#waiters.length === 0) return;
    const batch = this.#waiters.splice(0);
    let save: Promise<void>;
    try {
      save = this.#write(this.#snapshot());
    } catch (error) {
      save = Promise.reject(error);
    }
    this.#running = save;
    save
      .then(
        () => {
          for (const waiter of batch) waiter.resolve();
        },
        (error: unknown) => {
          this.#failed = true;
          for (const waiter of batch) waiter.reject(error);
        },
      )
      .finally(() => {
        this.#running = undefined;
        this.#pump();
      });
  }

  #snapshot(): { path: string; text: string }[] {
    this.#failed = false;
    return this.#dbs.map((db) => {
      db.autosaveClearFlags();
      return { path: db.filename, text: db.serialize() };
    });
  }

  async #write(files: { path: string; text: string }[]): Promise<void> {
    for (const file of files) {
      const temporary = `${file.path}~`;
      const handle = await open(temporary, "w");
      try {
        await handle.writeFile(file.text);
      } finally {
        await handle.close();
      }
      await rename(temporary, file.path);
      this.stats.saves++;
      this.stats.bytes += file.text.length;
    }
  }
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

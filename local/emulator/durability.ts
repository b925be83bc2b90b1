// Makes Azurite's disk mode keep what it acknowledged: its LokiJS stores only save on a 5-second
// timer, so a kill lost up to 5 s of answered requests. Here every store call waits, before its result
// goes back to the handler (and so before the response), for a commit that includes its effects; calls
// that arrive while one is being written share the next (group commit). A commit appends the changed
// documents to a redo log (redoLog.ts); whole snapshots are written only when the log has grown.
import { AsyncLocalStorage } from "node:async_hooks";
import { closeSync, existsSync, openSync, readSync, renameSync, rmSync, writeFileSync } from "node:fs";
import {
  applyChanges,
  dropChanges,
  encodeRecord,
  hasChanges,
  isEmpty,
  type LogRecord,
  type LokiDatabase,
  RedoLog,
  takeChanges,
  trackChanges,
} from "./redoLog";

export type { LokiDatabase } from "./redoLog";

export interface CommitStats {
  /** Group commits written (each appends one log record for every database of the group). */
  commits: number;
  /** Store calls that found unsaved changes and waited for a commit. */
  waits: number;
  /** Bytes written: log records and snapshots. */
  bytes: number;
  /** Time spent serializing (blocks the event loop) and writing, checkpoints included. */
  serializeMs: number;
  writeMs: number;
  /** Whole snapshots written (at start, when the log outgrew its bound, after a failed write). */
  checkpoints: number;
}

export interface GroupCommitOptions {
  /** The group's redo log file. */
  logPath: string;
  /** A checkpoint starts once the log is larger than this (default 1 MiB) and than `checkpointRatio` snapshots. */
  minCheckpointBytes?: number;
  /**
   * How many times the last snapshot's size the log may grow to before a checkpoint (default 4): a
   * checkpoint rewrites everything, so it costs 1/ratio of a byte written per byte logged; the start
   * replays at most that much log. A blob with thousands of page ranges is logged whole on each write,
   * so at ratio 1 checkpoints took as much of the emulator's time as the log (bench scenario 3).
   */
  checkpointRatio?: number;
}

/**
 * Commits a set of Loki databases together. A commit takes every database's changed documents at one
 * instant and appends them as ONE record to the group's redo log, so the extent and blob databases
 * (and a table batch) are on disk together or not at all. When the log outgrows the last snapshot, a
 * checkpoint writes each database whole, in the given order, to a temporary file that then takes the
 * old one's place (see recoverInterruptedSave), and starts a new log. Each checkpoint has a generation,
 * written into every snapshot and into each record of the log that follows it: after a kill between the
 * snapshots and the new log, a snapshot newer than the log is not replayed onto. Calls that find unsaved changes
 * are answered by one commit at the end of the event-loop turn (group commit).
 */
export class GroupCommit {
  readonly stats: CommitStats = {
    commits: 0,
    waits: 0,
    bytes: 0,
    serializeMs: 0,
    writeMs: 0,
    checkpoints: 0,
  };
  readonly #dbs: LokiDatabase[];
  readonly #log: RedoLog;
  readonly #minCheckpointBytes: number;
  readonly #checkpointRatio: number;
  #waiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  #scheduled = false;
  #holds = 0;
  #failed = false;
  #timer: NodeJS.Timeout | undefined;
  /** The log's records while the databases are being loaded; undefined once all are attached. */
  #replay: LogRecord[] | undefined;
  readonly #attached = new Set<LokiDatabase>();
  #snapshotBytes = 0;
  /** Checkpoints so far, counted across restarts: written into each snapshot and each later record. */
  #generation = 0;
  /** When the last commit ended and how long its record took (performance.now() ms), to space commits. */
  #lastCommitEnd = 0;
  #lastCommitMs = 0;

  constructor(dbs: LokiDatabase[], options: GroupCommitOptions) {
    this.#dbs = dbs;
    this.#log = new RedoLog(options.logPath);
    this.#minCheckpointBytes = options.minCheckpointBytes ?? 1024 * 1024;
    this.#checkpointRatio = options.checkpointRatio ?? 4;
  }

  /**
   * After a database is loaded (and before it answers requests): replays its part of the log and
   * starts tracking its changes. Once every database of the group is attached, a checkpoint writes
   * them whole and starts an empty log (a torn last record from a kill is dropped with the old log).
   */
  attach(db: LokiDatabase): void {
    const index = this.#dbs.indexOf(db);
    if (index < 0) throw new Error(`${db.filename} is not in this group commit`);
    this.#replay ??= this.#log.read();
    // The log follows the checkpoint its records name. A snapshot written by a later checkpoint
    // (a kill before that checkpoint started a new log) already holds the log's changes: records may
    // be patches (redoPatch.ts), which apply only to the state they were taken from.
    const logGeneration = this.#replay[0]?.generation ?? 0;
    const snapshotGeneration = readGeneration(db.filename);
    this.#generation = Math.max(this.#generation, logGeneration, snapshotGeneration);
    if (snapshotGeneration <= logGeneration) {
      applyChanges(
        db,
        this.#replay.map((record) => record.dbs[index] ?? { ops: [], colls: [] }),
      );
    }
    trackChanges(db);
    this.#attached.add(db);
    if (this.#attached.size < this.#dbs.length) return;
    this.#replay = undefined;
    this.#checkpoint();
    if (this.#waiters.length > 0) this.#schedule();
  }

  #ready(): boolean {
    return this.#attached.size === this.#dbs.length;
  }

  #dirty(): boolean {
    return this.#failed || this.#dbs.some((db) => db.autosaveDirty() || hasChanges(db));
  }

  /** Resolves once everything changed before this call is on disk. */
  sync(): Promise<void> {
    // Not dirty: every change so far was taken by a commit, and commits write before they return.
    if (!this.#dirty()) return Promise.resolve();
    this.stats.waits++;
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
      this.#schedule();
    });
  }

  /** Holds commits back (a table batch is half applied) until the returned release is called. */
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

  /** Commits changes made outside requests (Azurite's GC) now and then, as the Loki timer did. */
  startBackgroundSaves(intervalMs: number): void {
    this.#timer = setInterval(() => {
      if (this.#dirty()) this.sync().catch(() => {});
    }, intervalMs);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    await this.sync();
    this.#log.close();
  }

  // A commit costs what its documents weigh (a blob with thousands of page ranges is logged whole), and
  // back-to-back commits of one write each would spend the event loop on logging the same document over
  // and over. So a commit starts no sooner than the last one's duration after it ended (commits take at
  // most half the loop); writes arriving meanwhile share it. Commits under 1 ms are never held back.
  #schedule(): void {
    if (this.#scheduled || this.#holds > 0 || !this.#ready()) return;
    this.#scheduled = true;
    const wait = this.#lastCommitEnd + this.#lastCommitMs - performance.now();
    if (this.#lastCommitMs >= 1 && wait >= 1) setTimeout(() => this.#save(), wait);
    else setImmediate(() => this.#save());
  }

  #save(): void {
    this.#scheduled = false;
    if (this.#holds > 0) return;
    const batch = this.#waiters.splice(0);
    try {
      // After a failed write the log may end in half a record: nothing is appended behind it, a
      // checkpoint covers everything and starts a new log.
      if (this.#failed) this.#checkpoint();
      else this.#commit();
      this.#failed = false;
    } catch (error) {
      this.#failed = true;
      for (const waiter of batch) waiter.reject(error);
      return;
    } finally {
      this.#lastCommitEnd = performance.now();
    }
    for (const waiter of batch) waiter.resolve();
  }

  #commit(): void {
    const started = performance.now();
    const record: LogRecord = {
      generation: this.#generation,
      dbs: this.#dbs.map((db) => {
        db.autosaveClearFlags();
        return takeChanges(db);
      }),
    };
    // Loki also flags a collection dirty when it rebuilds an index: nothing to write then.
    if (record.dbs.every(isEmpty)) return;
    const line = encodeRecord(record);
    const written = performance.now();
    this.stats.serializeMs += written - started;
    this.#log.append(line);
    this.stats.commits++;
    this.stats.bytes += line.length;
    this.stats.writeMs += performance.now() - written;
    // The spacing of commits counts the record only: a checkpoint is rare and paid once.
    this.#lastCommitMs = performance.now() - started;
    const bound = Math.max(this.#snapshotBytes * this.#checkpointRatio, this.#minCheckpointBytes);
    if (this.#log.bytes > bound) this.#checkpoint();
  }

  // Every change is in the log when this runs (or a failed write left #failed, and the snapshots
  // written here cover what the log lacks), so the pending changes are dropped, not logged.
  #checkpoint(): void {
    const started = performance.now();
    const generation = this.#generation + 1;
    const files = this.#dbs.map((db) => {
      dropChanges(db);
      db.autosaveClearFlags();
      return { path: db.filename, text: withGeneration(db.serialize(), generation) };
    });
    const written = performance.now();
    this.stats.serializeMs += written - started;
    this.#write(files);
    this.#log.reset();
    this.#generation = generation;
    this.#snapshotBytes = files.reduce((sum, file) => sum + file.text.length, 0);
    this.stats.checkpoints++;
    this.stats.writeMs += performance.now() - written;
  }

  // Synchronous on purpose: the files are small next to the page data, and the thread pool is busy
  // with Azurite's extent writes, behind which an asynchronous save would queue for milliseconds.
  // The old file is unlinked before the rename instead of being replaced by it: ext4 flushes a file
  // renamed over another (or truncated) before it returns, 2 ms or more per file on a busy disk.
  #write(files: { path: string; text: string }[]): void {
    for (const file of files) {
      const temporary = temporaryOf(file.path);
      writeFileSync(temporary, file.text);
      rmSync(file.path, { force: true });
      renameSync(temporary, file.path);
      this.stats.bytes += file.text.length;
    }
  }
}

const temporaryOf = (path: string) => `${path}~`;

/** Loki's JSON with the checkpoint's generation as its first key (Loki's loader ignores unknown keys). */
function withGeneration(json: string, generation: number): string {
  if (!json.startsWith("{")) throw new Error("a Loki snapshot is not a JSON object");
  return `{"redoGeneration":${generation},${json.slice(1)}`;
}

/** The generation a snapshot was written with; 0 for none (no file yet, or written before generations). */
function readGeneration(path: string): number {
  if (!existsSync(path)) return 0;
  const fd = openSync(path, "r");
  try {
    const head = Buffer.alloc(48);
    const bytes = readSync(fd, head, 0, head.length, 0);
    const match = /^\{"redoGeneration":(\d+),/.exec(head.subarray(0, bytes).toString("latin1"));
    return match ? Number(match[1]) : 0;
  } finally {
    closeSync(fd);
  }
}

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
  /** Index of the method's batchId argument: a call inside a table batch (non-empty id) does not wait (the batch end does). */
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
      // Outside a batch Azurite passes "" (its table context's default), not undefined.
      const batchId = rule.batchArg === undefined ? undefined : args[rule.batchArg];
      const inBatch = typeof batchId === "string" && batchId !== "";
      try {
        return await insideStore.run(true, () => method.apply(this, args));
      } finally {
        // A failed call may have changed state too (Azurite updates expired leases as it reads them).
        if (!inBatch) await commit.sync();
      }
    };
  }
}

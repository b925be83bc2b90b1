// Azurite reads every extent range through a new file stream: an open and a close per read, on the
// emulator's thread (about 6% of it under small copies, where a read is 4 KiB). Here extent files stay
// open, a bounded number of idle ones, the least recently used closed first, and ranges are read with
// positioned reads. A deleted extent's file is closed once its last reader is done.
import { close, open, read } from "node:fs";
import { Readable } from "node:stream";

interface OpenFile {
  fd: number;
  readers: number;
  /** Deleted (or the store closing): closed when the last reader is done, never handed out again. */
  retired: boolean;
}

const openFile = (path: string) =>
  new Promise<number>((resolve, reject) =>
    open(path, "r", (error, fd) => (error ? reject(error) : resolve(fd))),
  );
const closeFile = (fd: number) => close(fd, () => {});

/** Read-only descriptors by path: shared by concurrent readers, at most `maxIdle` kept open unused. */
export class ExtentFiles {
  // Map order is use order: the first entries are the least recently used.
  readonly #files = new Map<string, OpenFile>();
  readonly #opening = new Map<string, Promise<OpenFile>>();

  constructor(private readonly maxIdle = 64) {}

  /** Files open now (for tests). */
  get openCount(): number {
    return this.#files.size;
  }

  /** A descriptor for `path`, held until the returned `release` is called. */
  async acquire(path: string): Promise<{ fd: number; release: () => void }> {
    for (;;) {
      const file = this.#files.get(path);
      if (file !== undefined) return this.#hold(path, file);
      // Readers arriving while the file opens share that open.
      let opening = this.#opening.get(path);
      if (opening === undefined) {
        opening = openFile(path).then(
          (fd) => {
            this.#opening.delete(path);
            const opened: OpenFile = { fd, readers: 0, retired: false };
            this.#files.set(path, opened);
            return opened;
          },
          (error: unknown) => {
            this.#opening.delete(path);
            throw error;
          },
        );
        this.#opening.set(path, opening);
      }
      const opened = await opening;
      // Evicted or deleted before this reader resumed: its descriptor may be closed, so look again.
      if (this.#files.get(path) === opened) return this.#hold(path, opened);
    }
  }

  #hold(path: string, file: OpenFile): { fd: number; release: () => void } {
    this.#files.delete(path);
    this.#files.set(path, file);
    file.readers++;
    let released = false;
    return {
      fd: file.fd,
      release: () => {
        if (released) return;
        released = true;
        file.readers--;
        this.#settle(file);
      },
    };
  }

  /** The file was deleted: its descriptor closes when its readers are done; a later acquire opens anew. */
  forget(path: string): void {
    const file = this.#files.get(path);
    if (file === undefined) return;
    this.#files.delete(path);
    file.retired = true;
    this.#settle(file);
  }

  /** Closes every idle descriptor and retires the rest (the store is closing). */
  closeAll(): void {
    for (const path of [...this.#files.keys()]) this.forget(path);
  }

  #settle(file: OpenFile): void {
    if (file.retired && file.readers === 0) closeFile(file.fd);
    if (this.#files.size <= this.maxIdle) return;
    for (const [oldPath, old] of this.#files) {
      if (this.#files.size <= this.maxIdle) break;
      if (old.readers > 0) continue;
      this.#files.delete(oldPath);
      closeFile(old.fd);
    }
  }
}

/** The largest single read: fs streams read 64 KiB at a time, a 4 MiB range in 16 pieces is fine too. */
const PIECE_BYTES = 1024 * 1024;

/**
 * `count` bytes of a file from `start`, as a stream, with positioned reads on a shared descriptor. Like
 * a file stream with `start`/`end`, it ends early at the end of the file.
 */
export class ExtentRangeStream extends Readable {
  #position: number;
  #remaining: number;
  #reading = false;
  #destroyed?: () => void;

  constructor(
    private readonly file: { fd: number; release: () => void },
    start: number,
    count: number,
  ) {
    super();
    this.#position = start;
    this.#remaining = count;
  }

  override _read(): void {
    if (this.#remaining <= 0) {
      this.push(null);
      return;
    }
    const buffer = Buffer.allocUnsafe(Math.min(this.#remaining, PIECE_BYTES));
    this.#reading = true;
    read(this.file.fd, buffer, 0, buffer.length, this.#position, (error, bytes) => {
      this.#reading = false;
      if (this.#destroyed) return this.#destroyed();
      if (error) return this.destroy(error);
      this.#position += bytes;
      this.#remaining = bytes === 0 ? 0 : this.#remaining - bytes;
      if (bytes > 0) this.push(bytes === buffer.length ? buffer : buffer.subarray(0, bytes));
      if (this.#remaining === 0) this.push(null);
    });
  }

  // The descriptor goes back only when no read of ours is in flight on it.
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.#reading) {
      this.file.release();
      callback(error);
      return;
    }
    this.#destroyed = () => {
      this.file.release();
      callback(error);
    };
  }
}

interface ExtentChunk {
  id: string;
  offset: number;
  count: number;
}

/** The part of Azurite 3.37's FSExtentStore patched here (a deep import, pinned like the others). */
interface FsExtentStore {
  metadataStore: { getExtentLocationId(id: string): Promise<string> };
  generateExtentPath(locationId: string, extentId: string): string;
  readQueue: { operate<T>(op: () => Promise<T>, contextId?: string): Promise<T> };
  readExtent(chunk: ExtentChunk | undefined, contextId?: string): Promise<NodeJS.ReadableStream>;
  deleteExtents(ids: string[]): Promise<number>;
  close(): Promise<void>;
}

const filesOfStore = new WeakMap<FsExtentStore, ExtentFiles>();

function filesOf(store: FsExtentStore): ExtentFiles {
  let files = filesOfStore.get(store);
  if (files === undefined) {
    files = new ExtentFiles();
    filesOfStore.set(store, files);
  }
  return files;
}

let patched = false;

/** Azurite's disk-mode extent store reads through kept-open files (once per process). */
export function keepExtentFilesOpen(): void {
  if (patched) return;
  patched = true;
  const store = (
    require("azurite/dist/src/common/persistence/FSExtentStore") as { default: { prototype: FsExtentStore } }
  ).default.prototype;
  const { ZERO_EXTENT_ID } = require("azurite/dist/src/blob/persistence/IBlobMetadataStore") as {
    ZERO_EXTENT_ID: string;
  };
  const { readExtent, deleteExtents, close } = store;
  store.readExtent = async function (this: FsExtentStore, chunk, contextId) {
    // Empty and all-zero chunks read no file.
    if (chunk === undefined || chunk.count === 0 || chunk.id === ZERO_EXTENT_ID)
      return readExtent.call(this, chunk, contextId);
    const path = this.generateExtentPath(await this.metadataStore.getExtentLocationId(chunk.id), chunk.id);
    const files = filesOf(this);
    return this.readQueue.operate(
      async () => new ExtentRangeStream(await files.acquire(path), chunk.offset, chunk.count),
      contextId,
    );
  };
  store.deleteExtents = async function (this: FsExtentStore, ids) {
    const files = filesOf(this);
    for (const id of ids) {
      files.forget(this.generateExtentPath(await this.metadataStore.getExtentLocationId(id), id));
    }
    return deleteExtents.call(this, ids);
  };
  store.close = async function (this: FsExtentStore) {
    filesOf(this).closeAll();
    return close.call(this);
  };
}

// The group commit under Azurite's stores, on stand-in databases in a temporary folder: one save per
// event-loop turn for all the calls that found changes, held back during a table batch, retried after
// a failed write, and an interrupted save recovered from its complete temporary file.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { GroupCommit, type LokiDatabase, recoverInterruptedSave } from "../../local/emulator/durability";

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function folder(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "durability-"));
  folders.push(dir);
  return dir;
}

/** A database whose contents are a counter; changing it sets the dirty flag as Loki's collections do. */
class FakeDb implements LokiDatabase {
  value = 0;
  dirty = false;
  constructor(readonly filename: string) {}
  change(): void {
    this.value++;
    this.dirty = true;
  }
  autosaveDirty(): boolean {
    return this.dirty;
  }
  autosaveClearFlags(): void {
    this.dirty = false;
  }
  autosaveDisable(): void {}
  serialize(): string {
    return JSON.stringify({ value: this.value });
  }
}

const onDisk = (db: FakeDb) => (JSON.parse(readFileSync(db.filename, "utf8")) as { value: number }).value;

describe("group commit", () => {
  it("answers every call that found changes with one save of every database, in order", async () => {
    const dir = folder();
    const extents = new FakeDb(path.join(dir, "extents.json"));
    const blobs = new FakeDb(path.join(dir, "blobs.json"));
    const commit = new GroupCommit([extents, blobs]);
    await commit.sync();
    expect(commit.stats.commits).toBe(0);
    expect(existsSync(blobs.filename)).toBe(false);

    const calls: Promise<void>[] = [];
    for (let i = 0; i < 10; i++) {
      extents.change();
      blobs.change();
      calls.push(commit.sync());
    }
    await Promise.all(calls);
    expect(commit.stats.commits).toBe(1);
    expect([onDisk(extents), onDisk(blobs)]).toEqual([10, 10]);
    // Nothing changed since: no new save.
    await commit.sync();
    expect(commit.stats.commits).toBe(1);
  });

  it("holds saves while a batch is half applied, then saves it whole", async () => {
    const db = new FakeDb(path.join(folder(), "tables.json"));
    const commit = new GroupCommit([db]);
    const release = commit.hold();
    db.change();
    let saved = false;
    const waiting = commit.sync().then(() => {
      saved = true;
    });
    db.change();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(saved).toBe(false);
    expect(existsSync(db.filename)).toBe(false);
    release();
    await waiting;
    expect(onDisk(db)).toBe(2);
  });

  it("rejects the waiting calls when a save fails, and saves again on the next call", async () => {
    const dir = folder();
    const db = new FakeDb(path.join(dir, "missing-folder", "blobs.json"));
    const commit = new GroupCommit([db]);
    db.change();
    await expect(commit.sync()).rejects.toThrow(/ENOENT/);
    // The changes were serialized but never written: they still count as unsaved.
    const fixed = new FakeDb(path.join(dir, "blobs.json"));
    Object.assign(db, { filename: fixed.filename });
    await commit.sync();
    expect(onDisk(db)).toBe(1);
  });
});

describe("an interrupted save", () => {
  it("is recovered from the temporary file when the kill came between unlink and rename", () => {
    const file = path.join(folder(), "__azurite_db_blob__.json");
    writeFileSync(`${file}~`, '{"value":7}');
    recoverInterruptedSave(file);
    expect(readFileSync(file, "utf8")).toBe('{"value":7}');
    expect(existsSync(`${file}~`)).toBe(false);
  });

  it("leaves the database alone when a half-written temporary file lies beside it", () => {
    const file = path.join(folder(), "__azurite_db_blob__.json");
    writeFileSync(file, '{"value":6}');
    writeFileSync(`${file}~`, '{"val');
    recoverInterruptedSave(file);
    expect(readFileSync(file, "utf8")).toBe('{"value":6}');
  });
});

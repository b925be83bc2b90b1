// The group commit and redo log under Azurite's stores, on real LokiJS databases in a temporary
// folder: one log record per event-loop turn for all the calls that found changes, held back during a
// table batch, a checkpoint after a failed write, replay after a "kill" (a new database loaded from the
// files), a torn last record ignored, a bounded log, and an interrupted save recovered.
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { GroupCommit, recoverInterruptedSave, wrapStoreMethods } from "../../local/emulator/durability";
import { decodeRecords, type LokiCollection, type LokiDatabase } from "../../local/emulator/redoLog";
import { prng, seedFromEnv } from "./helpers";

type LokiCtor = new (filename: string, options: object) => LokiDatabase & { loadJSON(text: string): void };
// lokijs ships no types; azurite 3.37.0 depends on it (1.5).
const Loki = require("lokijs") as LokiCtor;

interface Item {
  $loki?: number;
  key: string;
  name: string;
  value: number;
}

type Items = LokiCollection & {
  insert(doc: Item): Item;
  update(doc: Item): Item;
  remove(doc: Item): void;
  find(query: object): Item[];
  by(field: string, value: string): Item | undefined;
};

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function folder(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "durability-"));
  folders.push(dir);
  return dir;
}

/** A database as a store's init leaves it: loaded from its file (if any), collections ensured, then attached. */
function open(dir: string, options: { minCheckpointBytes?: number } = {}) {
  const file = path.join(dir, "db.json");
  recoverInterruptedSave(file);
  const db = new Loki(file, { autosave: false });
  if (existsSync(file)) db.loadJSON(readFileSync(file, "utf8"));
  if (db.getCollection("items") === null) db.addCollection("items", { indices: ["name"], unique: ["key"] });
  const logPath = `${file}.redo`;
  const commit = new GroupCommit([db], { logPath, ...options });
  commit.attach(db);
  const items = () => db.getCollection("items") as Items;
  return { db, commit, items, file, logPath };
}

const contents = (items: Items) =>
  items.data.map(({ $loki, key, name, value }) => ({ $loki, key, name, value }));

describe("group commit", () => {
  it("answers every call that found changes with one log record, replayed after a kill", async () => {
    const dir = folder();
    const { commit, items, logPath } = open(dir);
    expect(commit.stats.checkpoints).toBe(1);
    await commit.sync();
    expect(commit.stats.commits).toBe(0);

    const calls: Promise<void>[] = [];
    for (let i = 0; i < 10; i++) {
      items().insert({ key: `k${i}`, name: `n${i % 3}`, value: i });
      calls.push(commit.sync());
    }
    const second = items().by("key", "k1")!;
    items().update({ ...second, value: 100 });
    items().remove(items().by("key", "k2")!);
    await Promise.all(calls);
    expect(commit.stats.commits).toBe(1);
    expect(decodeRecords(readFileSync(logPath))).toHaveLength(1);
    await commit.sync();
    expect(commit.stats.commits).toBe(1);

    // The "kill": nothing more is written; a new database loads the snapshot and replays the log.
    const before = contents(items());
    const maxId = items().maxId;
    const again = open(dir);
    expect(contents(again.items())).toEqual(before);
    expect(again.items().maxId).toBe(maxId);
    // Indexes were rebuilt: binary (name), unique (key) and by $loki.
    expect(
      again
        .items()
        .find({ name: "n1" })
        .map((item) => item.key),
    ).toEqual(["k1", "k4", "k7"]);
    expect(again.items().by("key", "k1")?.value).toBe(100);
    expect(again.items().by("key", "k2")).toBeUndefined();
    // The start wrote a checkpoint: the log is empty again.
    expect(statSync(logPath).size).toBe(0);
    const next = again.items().insert({ key: "k10", name: "n1", value: 10 });
    expect(next.$loki).toBe(maxId + 1);
  });

  it("spaces commits of heavy records: writes of later event-loop turns share the next one", async () => {
    const dir = folder();
    const { commit, items } = open(dir);
    // A document of several MB takes milliseconds to log, as a page blob with thousands of ranges does.
    items().insert({ key: "big", name: "x".repeat(8 * 1024 * 1024), value: 0 });
    await commit.sync();
    const before = commit.stats.commits;
    const calls: Promise<void>[] = [];
    for (let i = 1; i <= 10; i++) {
      const item = items().by("key", "big")!;
      items().update({ ...item, value: i });
      calls.push(commit.sync());
      // Each write on its own turn: without the spacing each would be logged alone.
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(calls);
    const commits = commit.stats.commits - before;
    console.log(`spaced commits: 10 writes on separate turns in ${commits} commits`);
    expect(commits).toBeGreaterThan(0);
    expect(commits).toBeLessThan(10);
    expect(contents(open(dir).items())).toEqual(contents(items()));
    expect(items().by("key", "big")?.value).toBe(10);
  });

  it("holds commits while a batch is half applied, then logs it as one record", async () => {
    const dir = folder();
    const { commit, items, logPath } = open(dir);
    const release = commit.hold();
    items().insert({ key: "a", name: "x", value: 1 });
    let saved = false;
    const waiting = commit.sync().then(() => {
      saved = true;
    });
    items().insert({ key: "b", name: "x", value: 2 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(saved).toBe(false);
    expect(statSync(logPath).size).toBe(0);
    release();
    await waiting;
    const records = decodeRecords(readFileSync(logPath));
    expect(records).toHaveLength(1);
    expect(records[0]!.dbs[0]!.colls[0]!.put.map((doc) => doc.key)).toEqual(["a", "b"]);
  });

  it("rejects the waiting calls when a commit fails, and writes a checkpoint on the next call", async () => {
    const dir = folder();
    const { commit, items } = open(dir);
    items().insert({ key: "a", name: "x", value: 1 });
    // A value JSON cannot write makes the record fail (as a full disk would fail its write).
    const bad = items().insert({ key: "b", name: "x", value: 2n as unknown as number });
    await expect(commit.sync()).rejects.toThrow(/BigInt/);
    items().remove(bad);
    await commit.sync();
    expect(commit.stats.checkpoints).toBe(2);
    expect(contents(open(dir).items()).map((item) => item.key)).toEqual(["a"]);
  });

  it("replays collections added and removed, in order", async () => {
    const dir = folder();
    const { db, commit } = open(dir);
    const table = db.addCollection("t1", { indices: ["name"] }) as Items;
    table.insert({ key: "old", name: "x", value: 1 });
    db.removeCollection("t1");
    const again = db.addCollection("t1", { indices: ["name"] }) as Items;
    again.insert({ key: "new", name: "x", value: 2 });
    db.addCollection("t2").dirty = true;
    await commit.sync();
    const reopened = open(dir).db;
    expect(reopened.collections.map((coll) => coll.name)).toEqual(["items", "t1", "t2"]);
    expect(contents(reopened.getCollection("t1") as Items)).toEqual([
      { $loki: 1, key: "new", name: "x", value: 2 },
    ]);
  });
});

describe("wrapped store calls", () => {
  it('wait for their commit outside a batch (Azurite passes batchId "") and not inside one', async () => {
    const { commit, items, logPath } = open(folder());
    const store = {
      async upsert(value: number, _batchId: string) {
        items().insert({ key: `k${value}`, name: "x", value });
      },
    };
    wrapStoreMethods(store, { upsert: { batchArg: 1 } }, commit);
    await store.upsert(1, "");
    // Answered only once on disk: the record is in the log when the call returns.
    expect(decodeRecords(readFileSync(logPath))).toHaveLength(1);
    await store.upsert(2, "batch-1");
    expect(decodeRecords(readFileSync(logPath))).toHaveLength(1);
    await commit.sync();
    expect(decodeRecords(readFileSync(logPath))).toHaveLength(2);
  });
});

describe("the redo log", () => {
  it("ignores a torn or damaged last record and keeps the records before it", async () => {
    const dir = folder();
    const { commit, items, logPath } = open(dir);
    items().insert({ key: "a", name: "x", value: 1 });
    await commit.sync();
    items().insert({ key: "b", name: "x", value: 2 });
    await commit.sync();
    const log = readFileSync(logPath);
    // Half of a copy of the last record, as a kill in the middle of the append would leave it.
    appendFileSync(logPath, log.subarray(0, Math.floor(log.length / 2)));
    expect(contents(open(dir).items()).map((item) => item.key)).toEqual(["a", "b"]);

    // A complete line whose checksum does not match is ignored too, with everything after it.
    const later = open(dir);
    later.items().insert({ key: "c", name: "x", value: 3 });
    await later.commit.sync();
    const line = readFileSync(logPath).toString("utf8").replace('"c"', '"C"');
    writeFileSync(logPath, line);
    appendFileSync(logPath, "garbage\n");
    expect(contents(open(dir).items()).map((item) => item.key)).toEqual(["a", "b"]);
  });

  it("replays onto a snapshot that already holds the log (a kill between snapshot and new log)", async () => {
    const dir = folder();
    const { commit, items, logPath, file } = open(dir);
    for (let i = 0; i < 5; i++) items().insert({ key: `k${i}`, name: "x", value: i });
    await commit.sync();
    items().remove(items().by("key", "k0")!);
    items().update({ ...items().by("key", "k1")!, value: 11 });
    await commit.sync();
    const expected = contents(items());
    copyFileSync(logPath, `${dir}/saved.redo`);
    // Reopening writes a checkpoint; putting the old log back is the state a kill before its reset leaves.
    open(dir);
    expect(statSync(file).size).toBeGreaterThan(0);
    copyFileSync(`${dir}/saved.redo`, logPath);
    const replayed = open(dir);
    expect(contents(replayed.items())).toEqual(expected);
    expect(replayed.items().by("key", "k1")?.value).toBe(11);
  });

  it("stays bounded: a checkpoint starts a new log once it outgrows the snapshot", async () => {
    const dir = folder();
    const { commit, items, logPath, file } = open(dir, { minCheckpointBytes: 4096 });
    for (let i = 0; i < 20; i++) items().insert({ key: `k${i}`, name: "x".repeat(100), value: i });
    await commit.sync();
    let largest = 0;
    for (let round = 0; round < 300; round++) {
      const item = items().by("key", `k${round % 20}`)!;
      items().update({ ...item, value: round });
      await commit.sync();
      largest = Math.max(largest, statSync(logPath).size);
    }
    expect(commit.stats.commits).toBe(301);
    expect(commit.stats.checkpoints).toBeGreaterThan(3);
    // The log never holds more than its bound (four snapshots, at least 4 KiB) plus one record.
    expect(largest).toBeLessThan(Math.max(4 * statSync(file).size, 4096) + 1024);
    expect(contents(open(dir).items())).toEqual(contents(items()));
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

describe("long page-range lists", () => {
  interface Range {
    start: number;
    end: number;
    persistency: { id: string; offset: number; count: number };
  }
  type Blobs = LokiCollection & {
    insert(doc: object): { $loki: number };
    update(doc: object): void;
    remove(doc: object): void;
    data: { $loki: number; name: string; etag: string; pageRangesInOrder: Range[] }[];
  };

  function openBlobs(dir: string) {
    const file = path.join(dir, "blobs.json");
    recoverInterruptedSave(file);
    const db = new Loki(file, { autosave: false });
    if (existsSync(file)) db.loadJSON(readFileSync(file, "utf8"));
    if (db.getCollection("blobs") === null) db.addCollection("blobs", { indices: ["name"] });
    const logPath = `${file}.redo`;
    const commit = new GroupCommit([db], { logPath, minCheckpointBytes: 64 * 1024 * 1024 });
    commit.attach(db);
    return { commit, blobs: () => db.getCollection("blobs") as Blobs, logPath, file };
  }

  const state = (blobs: Blobs) => JSON.parse(JSON.stringify(blobs.data.map(({ meta: _, ...doc }) => doc)));

  /** Writes as Azurite's PageBlobRangesManager makes them: the touched entries replaced by new objects. */
  function write(ranges: Range[], random: () => number, write: number): void {
    const at = Math.floor(random() * (ranges.length + 1));
    const remove = Math.min(ranges.length - at, Math.floor(random() * 3));
    const added = Array.from({ length: 1 + Math.floor(random() * 3) }, (_, i) => ({
      start: write * 4096 + i,
      end: write * 4096 + i + 511,
      persistency: { id: `extent-${write}`, offset: i * 512, count: 512 },
    }));
    ranges.splice(at, remove, ...added);
  }

  it("are logged as edits and replayed byte for byte after a kill at any commit", async () => {
    const seed = seedFromEnv("REDO_PATCH_SEED");
    console.log(`redo patch seed ${seed}`);
    const random = prng(seed);
    const dir = folder();
    let { commit, blobs, logPath } = openBlobs(dir);
    const many = (n: number) => {
      const ranges: Range[] = [];
      for (let i = 0; i < n; i++) write(ranges, random, i);
      return ranges;
    };
    blobs().insert({ name: "fragmented", etag: "0", pageRangesInOrder: many(3000) });
    blobs().insert({ name: "growing", etag: "0", pageRangesInOrder: many(20) });
    await commit.sync();
    const wholeBytes = JSON.stringify(blobs().data[0]).length;
    let written = 0;
    for (let round = 1; round <= 120; round++) {
      for (const doc of blobs().data) {
        if (random() < 0.3) continue;
        for (let w = 0, n = 1 + Math.floor(random() * 3); w < n; w++)
          write(doc.pageRangesInOrder, random, 10_000 + round * 10 + w);
        doc.etag = String(round);
        blobs().update(doc);
      }
      if (round === 60) blobs().remove(blobs().data[1]!);
      if (round === 61) blobs().insert({ name: "after", etag: "0", pageRangesInOrder: many(40) });
      const before = statSync(logPath).size;
      await commit.sync();
      written += statSync(logPath).size - before;
      if (round % 15 === 0) {
        // A kill now: a new database from the files holds exactly what was committed.
        const expected = state(blobs());
        ({ commit, blobs, logPath } = openBlobs(dir));
        expect(state(blobs())).toEqual(expected);
      }
    }
    // Logged whole, the fragmented blob alone would take about 120 × its size; as edits, what changed
    // (checkpoints at each reopen make the snapshot the base, so nothing is logged whole again).
    console.log(
      `redo patch: ${written} bytes logged for 120 rounds; the fragmented blob is ${wholeBytes} bytes whole`,
    );
    expect(written).toBeLessThan(wholeBytes);
  });

  it("are not replayed onto a snapshot written after them (a kill between snapshot and new log)", async () => {
    const random = prng(7);
    const dir = folder();
    const { commit, blobs, logPath, file } = openBlobs(dir);
    const ranges: Range[] = [];
    for (let i = 0; i < 100; i++) write(ranges, random, i);
    blobs().insert({ name: "fragmented", etag: "0", pageRangesInOrder: ranges });
    await commit.sync();
    for (let round = 1; round <= 5; round++) {
      const doc = blobs().data[0]!;
      write(doc.pageRangesInOrder, random, 1000 + round);
      blobs().update(doc);
      await commit.sync();
    }
    const expected = state(blobs());
    expect(decodeRecords(readFileSync(logPath)).some((r) => r.dbs[0]?.colls[0]?.patch)).toBe(true);
    copyFileSync(logPath, `${dir}/saved.redo`);
    // Reopening writes a checkpoint; the old log put back is what a kill before the new log leaves.
    openBlobs(dir);
    expect(statSync(file).size).toBeGreaterThan(0);
    copyFileSync(`${dir}/saved.redo`, logPath);
    expect(state(openBlobs(dir).blobs())).toEqual(expected);
  });
});

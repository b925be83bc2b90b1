// The redo log under the real emulator (a child process on a data folder): kill -9 at seeded moments
// under writers that create and delete blobs, write pages, take and delete snapshots, set metadata and
// write table rows (upserts, deletes, batches); after each restart every acknowledged effect is there
// byte for byte, a batch whole or not at all. Then: a quiet emulator comes back exactly as it was
// (everything the API shows), a torn last record is ignored, and the log stays bounded.
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TransactionAction } from "@azure/data-tables";
import { afterAll, expect, it } from "vitest";
import {
  type Clients,
  clientsFor,
  killEmulatorChildren,
  killRounds,
  restart,
  startEmulatorChild,
} from "./crashSupport";
import { prng, seedFromEnv } from "./helpers";

const PAGE = 512;
const PAGES = 32;
const WRITERS = 3;
const ROUNDS = 3;

const folders: string[] = [];
afterAll(async () => {
  await killEmulatorChildren();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

function dataFolder(): string {
  const folder = mkdtempSync(path.join(tmpdir(), "redo-emulator-"));
  folders.push(folder);
  return folder;
}

interface Blob {
  content: Buffer;
  metadata: string;
  snapshots: Map<string, Buffer>;
}

/** What one writer was told happened: its container's blobs and its table's rows. */
interface State {
  blobs: Map<string, Blob>;
  rows: Map<string, number>;
}

type Op =
  | { kind: "create"; blob: string }
  | { kind: "put"; blob: string; offset: number; data: Buffer }
  | { kind: "snapshot"; blob: string }
  | { kind: "deleteSnapshot"; blob: string; id: string }
  | { kind: "delete"; blob: string }
  | { kind: "metadata"; blob: string; value: string }
  | { kind: "batch"; keys: string[]; value: number }
  | { kind: "deleteRow"; key: string };

const copyState = (state: State): State => ({
  blobs: new Map(
    [...state.blobs].map(([name, blob]) => [name, { ...blob, snapshots: new Map(blob.snapshots) }]),
  ),
  rows: new Map(state.rows),
});

/** The state after op; a snapshot's id comes from the service (undefined: not known, left out). */
function applied(state: State, op: Op, snapshotId?: string): State {
  const next = copyState(state);
  const blob = "blob" in op ? next.blobs.get(op.blob) : undefined;
  switch (op.kind) {
    case "create":
      next.blobs.set(op.blob, { content: Buffer.alloc(PAGES * PAGE), metadata: "", snapshots: new Map() });
      break;
    case "put": {
      const content = Buffer.from(blob!.content);
      op.data.copy(content, op.offset);
      blob!.content = content;
      break;
    }
    case "snapshot":
      if (snapshotId !== undefined) blob!.snapshots.set(snapshotId, blob!.content);
      break;
    case "deleteSnapshot":
      blob!.snapshots.delete(op.id);
      break;
    case "delete":
      next.blobs.delete(op.blob);
      break;
    case "metadata":
      blob!.metadata = op.value;
      break;
    case "batch":
      for (const key of op.keys) next.rows.set(key, op.value);
      break;
    case "deleteRow":
      next.rows.delete(op.key);
      break;
  }
  return next;
}

function nextOp(rnd: () => number, state: State, n: number): Op {
  const names = [...state.blobs.keys()];
  const pick = <T>(items: T[]) => items[Math.floor(rnd() * items.length)]!;
  const roll = rnd();
  if (names.length < 2 || roll < 0.12) return { kind: "create", blob: `b${n}` };
  const blob = pick(names);
  if (roll < 0.45) {
    const pages = 1 + Math.floor(rnd() * 4);
    const offset = Math.floor(rnd() * (PAGES - pages)) * PAGE;
    const data = Buffer.alloc(pages * PAGE);
    for (let i = 0; i < data.length; i += 4) data.writeUInt32LE(Math.floor(rnd() * 2 ** 32), i);
    return { kind: "put", blob, offset, data };
  }
  if (roll < 0.55) return { kind: "snapshot", blob };
  const snapshots = [...state.blobs.get(blob)!.snapshots.keys()];
  if (roll < 0.62 && snapshots.length > 0) return { kind: "deleteSnapshot", blob, id: pick(snapshots) };
  if (roll < 0.68 && names.length > 3) return { kind: "delete", blob };
  if (roll < 0.78) return { kind: "metadata", blob, value: `v${n}` };
  const rows = [...state.rows.keys()];
  if (roll < 0.85 && rows.length > 0) return { kind: "deleteRow", key: pick(rows) };
  const first = Math.floor(rnd() * 20);
  return { kind: "batch", keys: [`r${first}`, `r${first + 20}`, `r${first + 40}`], value: n };
}

async function perform(clients: Clients, name: string, op: Op): Promise<string | undefined> {
  const container = clients.container(name);
  const blob = "blob" in op ? container.getPageBlobClient(op.blob) : undefined;
  switch (op.kind) {
    case "create":
      await blob!.create(PAGES * PAGE);
      return;
    case "put":
      await blob!.uploadPages(op.data, op.offset, op.data.length);
      return;
    case "snapshot":
      return (await blob!.createSnapshot()).snapshot;
    case "deleteSnapshot":
      await blob!.withSnapshot(op.id).delete();
      return;
    case "delete":
      await blob!.delete({ deleteSnapshots: "include" });
      return;
    case "metadata":
      await blob!.setMetadata({ gen: op.value });
      return;
    case "batch": {
      const actions: TransactionAction[] = op.keys.map((rowKey) => [
        "upsert",
        { partitionKey: "p", rowKey, value: op.value },
      ]);
      await clients.table(name).submitTransaction(actions);
      return;
    }
    case "deleteRow":
      await clients.table(name).deleteEntity("p", op.key);
      return;
  }
}

interface Writer {
  name: string;
  state: State;
  pending: Op | undefined;
  acked: number;
  /** Requests started: numbers blob names and values, never reused. */
  started: number;
}

async function write(
  clients: Clients,
  writer: Writer,
  rnd: () => number,
  stop: () => boolean,
): Promise<void> {
  while (!stop()) {
    const op = nextOp(rnd, writer.state, writer.started++);
    writer.pending = op;
    let snapshotId: string | undefined;
    try {
      snapshotId = await perform(clients, writer.name, op);
    } catch {
      return;
    }
    writer.state = applied(writer.state, op, snapshotId);
    writer.pending = undefined;
    writer.acked++;
  }
}

/** Everything the API shows of one writer's container and table. */
async function dump(clients: Clients, name: string, detail = false): Promise<State & { detail: string[] }> {
  const container = clients.container(name);
  const state: State = { blobs: new Map(), rows: new Map() };
  const detailLines: string[] = [];
  for await (const item of container.listBlobsFlat({ includeSnapshots: true, includeMetadata: true })) {
    const client = container.getPageBlobClient(item.name);
    const source = item.snapshot ? client.withSnapshot(item.snapshot) : client;
    const content = await source.downloadToBuffer();
    if (!state.blobs.has(item.name))
      state.blobs.set(item.name, { content, metadata: "", snapshots: new Map() });
    const blob = state.blobs.get(item.name)!;
    if (item.snapshot) blob.snapshots.set(item.snapshot, content);
    else Object.assign(blob, { content, metadata: item.metadata?.gen ?? "" });
    if (detail) {
      const p = item.properties;
      const ranges = (await source.getPageRanges()).pageRange ?? [];
      detailLines.push(
        JSON.stringify([
          item.name,
          item.snapshot,
          p.etag,
          p.lastModified,
          p.contentLength,
          p.leaseState,
          ranges,
        ]),
      );
    }
  }
  for await (const row of clients.table(name).listEntities<{ value: number }>()) {
    state.rows.set(row.rowKey!, row.value);
    if (detail) detailLines.push(JSON.stringify([row.rowKey, row.etag, row.value, row.timestamp]));
  }
  return { ...state, detail: detailLines };
}

function sameState(a: State, b: State): boolean {
  const blobs = (s: State) =>
    [...s.blobs].map(([name, blob]) => [
      name,
      blob.content.toString("base64"),
      blob.metadata,
      [...blob.snapshots].map(([id, content]) => [id, content.toString("base64")]).sort(),
    ]);
  const rows = (s: State) => [...s.rows].sort();
  return JSON.stringify([blobs(a).sort(), rows(a)]) === JSON.stringify([blobs(b).sort(), rows(b)]);
}

/** The acknowledged state, or (when the request in flight at the kill happened) the state after it. */
async function verify(clients: Clients, writer: Writer): Promise<void> {
  const actual = await dump(clients, writer.name);
  const op = writer.pending;
  if (sameState(actual, writer.state)) {
    writer.pending = undefined;
    return;
  }
  expect(op, `${writer.name}: acknowledged state lost`).toBeDefined();
  let after = applied(writer.state, op!);
  if (op!.kind === "snapshot") {
    // A snapshot taken but not acknowledged: its id was never seen; it holds the blob's content.
    const known = writer.state.blobs.get(op!.blob)!.snapshots;
    const extra = [...actual.blobs.get(op!.blob)!.snapshots.keys()].filter((id) => !known.has(id));
    if (extra.length === 1) after = applied(writer.state, op!, extra[0]);
  }
  if (!sameState(actual, after)) {
    const show = (state: State) => {
      const blobs = [...state.blobs].map(
        ([name, b]) => `${name}:${b.metadata}:${b.snapshots.size}:${b.content.toString("base64").length}`,
      );
      return `${blobs.join(" ")} rows ${JSON.stringify([...state.rows])}`;
    };
    expect.fail(
      `${writer.name}: state is neither before nor after ${JSON.stringify(op)}\nactual ${show(actual)}\nbefore ${show(writer.state)}`,
    );
  }
  writer.state = after;
  writer.pending = undefined;
}

it("keeps every acknowledged blob, snapshot, delete and table batch across SIGKILLs", async () => {
  const seed = seedFromEnv("TEST_SEED");
  console.log(`redo log crash seed: ${seed} (rerun with TEST_SEED=${seed})`);
  const rnd = prng(seed);
  const location = dataFolder();
  const writers: Writer[] = Array.from({ length: WRITERS }, (_, i) => ({
    name: `redo${i}`,
    state: { blobs: new Map(), rows: new Map() },
    pending: undefined,
    acked: 0,
    started: 0,
  }));
  const first = await startEmulatorChild(location);
  for (const writer of writers) {
    await clientsFor(first).container(writer.name).create();
    await clientsFor(first).table(writer.name).createTable();
  }
  let { child, clients } = await killRounds({
    location,
    child: first,
    rounds: ROUNDS,
    seed,
    rnd,
    minPauseMs: 500,
    writers,
    write,
    verify,
  });
  const acked = writers.reduce((sum, w) => sum + w.acked, 0);
  console.log(`redo log crash: ${acked} acknowledged requests over ${ROUNDS} kills, all present`);
  expect(acked).toBeGreaterThan(ROUNDS * WRITERS * 5);
  expect(writers.some((w) => w.state.rows.size > 0)).toBe(true);

  // A quiet emulator killed comes back exactly as the API showed it: etags, times, page ranges, rows.
  const before = await Promise.all(writers.map((w) => dump(clients, w.name, true)));
  ({ child, clients } = await restart(child, location));
  const after = await Promise.all(writers.map((w) => dump(clients, w.name, true)));
  expect(after.map((d) => d.detail)).toEqual(before.map((d) => d.detail));
  await child.kill();
});

it("ignores a torn last record and replays the ones before it", async () => {
  const location = dataFolder();
  const log = path.join(location, "__azurite_db_blob__.json.redo");
  const tableLog = path.join(location, "__azurite_db_table__.json.redo");
  let child = await startEmulatorChild(location);
  let clients = clientsFor(child);
  const container = clients.container("torn");
  await container.create();
  const disk = container.getPageBlobClient("disk.vhd");
  await disk.create(PAGES * PAGE);
  await disk.uploadPages(Buffer.alloc(PAGE, 1), 0, PAGE);
  await disk.setMetadata({ gen: "1" });
  await clients.table("torn").createTable();
  await clients.table("torn").upsertEntity({ partitionKey: "p", rowKey: "a", value: 1 });
  await child.kill();
  // The start's checkpoint emptied the logs; everything above is only in them.
  const records = readFileSync(log);
  expect(records.length).toBeGreaterThan(0);
  expect(statSync(tableLog).size).toBeGreaterThan(0);
  // Half of a record, then garbage: what a kill in the middle of an append (or worse) leaves.
  const lastRecord = records.subarray(records.lastIndexOf(0x0a, records.length - 2) + 1);
  appendFileSync(log, lastRecord.subarray(0, Math.floor(lastRecord.length / 2)));
  appendFileSync(tableLog, '123 0badc0de {"dbs":[');

  child = await startEmulatorChild(location);
  clients = clientsFor(child);
  const again = clients.container("torn").getPageBlobClient("disk.vhd");
  const content = await again.downloadToBuffer();
  const expected = Buffer.alloc(PAGES * PAGE);
  expected.fill(1, 0, PAGE);
  expect(content.equals(expected)).toBe(true);
  expect((await again.getProperties()).metadata?.gen).toBe("1");
  expect((await clients.table("torn").getEntity<{ value: number }>("p", "a")).value).toBe(1);
  // The start wrote snapshots and began new logs (the torn tails are gone).
  expect(statSync(log).size).toBe(0);
  expect(statSync(tableLog).size).toBe(0);
  // Writes after it land in the new log and survive another kill.
  await again.uploadPages(Buffer.alloc(PAGE, 2), PAGE, PAGE);
  ({ child, clients } = await restart(child, location));
  expected.fill(2, PAGE, 2 * PAGE);
  const last = await clients.container("torn").getPageBlobClient("disk.vhd").downloadToBuffer();
  expect(last.equals(expected)).toBe(true);
  await child.kill();
});

it("keeps the log bounded: it is replaced by a snapshot once it outgrows four of the last one", async () => {
  const location = dataFolder();
  const log = path.join(location, "__azurite_db_blob__.json.redo");
  const db = path.join(location, "__azurite_db_blob__.json");
  let child = await startEmulatorChild(location);
  let clients = clientsFor(child);
  const container = clients.container("bounded");
  await container.create();
  const disk = container.getPageBlobClient("disk.vhd");
  await disk.create(PAGES * PAGE);
  // Each Set Metadata logs the blob's document (~6 KB here): 400 of them make 2+ MiB of records.
  const padding = "x".repeat(4000);
  let largest = 0;
  let shrank = 0;
  let previous = 0;
  for (let i = 0; i < 400; i++) {
    await disk.setMetadata({ gen: String(i), padding });
    const size = statSync(log).size;
    if (size < previous) shrank++;
    previous = size;
    largest = Math.max(largest, size);
  }
  console.log(
    `redo log: largest ${largest} bytes, ${shrank} checkpoints, snapshot ${statSync(db).size} bytes`,
  );
  expect(shrank).toBeGreaterThan(0);
  // Bound: the larger of 1 MiB and four times the last snapshot, plus the record that crossed it.
  expect(largest).toBeLessThan(Math.max(1024 * 1024, 4 * statSync(db).size) + 16 * 1024);
  ({ child, clients } = await restart(child, location));
  const metadata = (await clients.container("bounded").getPageBlobClient("disk.vhd").getProperties())
    .metadata;
  expect(metadata?.gen).toBe("399");
  await child.kill();
});

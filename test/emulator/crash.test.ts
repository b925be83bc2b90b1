// Kill -9 of the emulator at random moments loses nothing it acknowledged: writers record every
// answered Put Page, Clear Pages, snapshot, metadata change, lease change and table row; after each
// SIGKILL a new emulator starts on the same folder and every recorded effect must be there (the one
// request in flight at the kill may or may not have happened, as on the service).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import {
  type Clients,
  clientsFor,
  killEmulatorChildren,
  killRounds,
  startEmulatorChild,
} from "./crashSupport";
import { prng, seedFromEnv } from "./helpers";

const PAGE = 512;
const PAGES = 512;
const WRITERS = 4;
const ROUNDS = 3;

type Op =
  | { kind: "put"; offset: number; data: Buffer }
  | { kind: "clear"; offset: number; length: number }
  | { kind: "snapshot" }
  | { kind: "metadata"; value: string }
  | { kind: "lease"; acquire: boolean; id: string }
  | { kind: "row"; rowKey: string; value: number };

interface Model {
  name: string;
  content: Buffer;
  snapshots: { id: string; content: Buffer }[];
  metadata: string | undefined;
  leaseId: string | undefined;
  rows: Map<string, number>;
  /** The request that was in flight when the emulator died (it may or may not have happened). */
  pending: Op | undefined;
  acked: number;
}

function applied(model: Model, op: Op): Buffer {
  const next = Buffer.from(model.content);
  if (op.kind === "put") op.data.copy(next, op.offset);
  if (op.kind === "clear") next.fill(0, op.offset, op.offset + op.length);
  return next;
}

function nextOp(rnd: () => number, model: Model, n: number): Op {
  const roll = rnd();
  const first = Math.floor(rnd() * PAGES);
  const pages = Math.min(PAGES - first, 1 + Math.floor(rnd() * 16));
  if (roll < 0.45) {
    const data = Buffer.alloc(pages * PAGE);
    for (let i = 0; i < data.length; i += 4) data.writeUInt32LE(Math.floor(rnd() * 2 ** 32), i);
    return { kind: "put", offset: first * PAGE, data };
  }
  if (roll < 0.55) return { kind: "clear", offset: first * PAGE, length: pages * PAGE };
  if (roll < 0.65) return { kind: "snapshot" };
  if (roll < 0.75) return { kind: "metadata", value: `v${n}` };
  if (roll < 0.85) {
    const id = `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
    return { kind: "lease", acquire: model.leaseId === undefined, id: model.leaseId ?? id };
  }
  return { kind: "row", rowKey: `r${n % 20}`, value: n };
}

async function perform(clients: Clients, model: Model, op: Op): Promise<void> {
  const container = clients.container(model.name);
  const disk = container.getPageBlobClient("disk.vhd");
  switch (op.kind) {
    case "put":
      await disk.uploadPages(op.data, op.offset, op.data.length);
      model.content = applied(model, op);
      return;
    case "clear":
      await disk.clearPages(op.offset, op.length);
      model.content = applied(model, op);
      return;
    case "snapshot": {
      const content = Buffer.from(model.content);
      const { snapshot } = await disk.createSnapshot();
      model.snapshots.push({ id: snapshot!, content });
      return;
    }
    case "metadata":
      await disk.setMetadata({ gen: op.value });
      model.metadata = op.value;
      return;
    case "lease": {
      const lease = container.getPageBlobClient("leased.vhd").getBlobLeaseClient(op.id);
      if (op.acquire) await lease.acquireLease(-1);
      else await lease.releaseLease();
      model.leaseId = op.acquire ? op.id : undefined;
      return;
    }
    case "row":
      await clients.table(model.name).upsertEntity({ partitionKey: "p", rowKey: op.rowKey, value: op.value });
      model.rows.set(op.rowKey, op.value);
      return;
  }
}

/** One writer: sequential requests until the first failure (the kill); the failed one stays pending. */
async function write(clients: Clients, model: Model, rnd: () => number, stop: () => boolean): Promise<void> {
  while (!stop()) {
    const op = nextOp(rnd, model, model.acked + 1000 * model.snapshots.length);
    model.pending = op;
    try {
      await perform(clients, model, op);
    } catch {
      return;
    }
    model.pending = undefined;
    model.acked++;
  }
}

async function setUp(clients: Clients, model: Model): Promise<void> {
  const container = clients.container(model.name);
  await container.create();
  await container.getPageBlobClient("disk.vhd").create(PAGES * PAGE);
  await container.getPageBlobClient("leased.vhd").create(PAGE);
  await clients.table(model.name).createTable();
}

/** Checks every acknowledged effect, then folds the pending request in if it turned out to have happened. */
async function verify(clients: Clients, model: Model): Promise<void> {
  const pending = model.pending;
  const container = clients.container(model.name);
  const disk = container.getPageBlobClient("disk.vhd");
  const content = await disk.downloadToBuffer();
  if (!content.equals(model.content)) {
    expect(
      pending?.kind === "put" || pending?.kind === "clear",
      `${model.name}: acknowledged pages lost`,
    ).toBe(true);
    expect(content.equals(applied(model, pending!)), `${model.name}: page content differs`).toBe(true);
    model.content = content;
  }
  for (const snapshot of model.snapshots) {
    const bytes = await disk.withSnapshot(snapshot.id).downloadToBuffer();
    expect(bytes.equals(snapshot.content), `${model.name}: snapshot ${snapshot.id} differs`).toBe(true);
  }
  const metadata = (await disk.getProperties()).metadata?.gen;
  if (metadata !== model.metadata) {
    expect(pending?.kind === "metadata" && pending.value === metadata, `${model.name}: metadata`).toBe(true);
    model.metadata = metadata;
  }
  const leaseState = (await container.getPageBlobClient("leased.vhd").getProperties()).leaseState;
  const leased = leaseState === "leased";
  if (leased !== (model.leaseId !== undefined)) {
    expect(
      pending?.kind === "lease" && pending.acquire === leased,
      `${model.name}: lease ${leaseState}`,
    ).toBe(true);
    model.leaseId = pending?.kind === "lease" && pending.acquire ? pending.id : undefined;
  }
  const rows = new Map<string, number>();
  for await (const row of clients.table(model.name).listEntities<{ value: number }>()) {
    rows.set(row.rowKey!, row.value);
  }
  // Both ways: a row the model has but the store lost counts too.
  for (const key of new Set([...model.rows.keys(), ...rows.keys()])) {
    const value = rows.get(key);
    if (model.rows.get(key) === value) continue;
    expect(pending?.kind === "row" && pending.rowKey === key && pending.value === value, `row ${key}`).toBe(
      true,
    );
    model.rows.set(key, value!);
  }
  model.pending = undefined;
}

const folders: string[] = [];
afterAll(async () => {
  await killEmulatorChildren();
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});

it("keeps every acknowledged write across SIGKILLs at random moments", async () => {
  const seed = seedFromEnv("TEST_SEED");
  console.log(`crash seed: ${seed} (rerun with TEST_SEED=${seed})`);
  const rnd = prng(seed);
  const location = await mkdtemp(path.join(tmpdir(), "crash-emulator-"));
  folders.push(location);
  const models: Model[] = Array.from({ length: WRITERS }, (_, i) => ({
    name: `crash${i}`,
    content: Buffer.alloc(PAGES * PAGE),
    snapshots: [],
    metadata: undefined,
    leaseId: undefined,
    rows: new Map(),
    pending: undefined,
    acked: 0,
  }));
  const first = await startEmulatorChild(location);
  for (const model of models) await setUp(clientsFor(first), model);
  const { child } = await killRounds({
    location,
    child: first,
    rounds: ROUNDS,
    seed,
    rnd,
    minPauseMs: 400,
    writers: models,
    write,
    verify,
  });
  await child.kill();
  const acked = models.reduce((sum, m) => sum + m.acked, 0);
  console.log(`crash: ${acked} acknowledged requests over ${ROUNDS} kills, all present after restarts`);
  // The test must have had something to lose.
  expect(acked).toBeGreaterThan(ROUNDS * WRITERS);
  expect(models.some((m) => m.snapshots.length > 0)).toBe(true);
});

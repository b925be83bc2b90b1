// `npm start` (dist/local/start.js: emulator in disk mode + the local Functions runtime + the app) killed
// with SIGKILL at random points of a backup's copy, started again on the same folder: the backup resumes,
// and every restore point recorded completed holds exactly the bytes the source disk had at its snapshot.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { BlobServiceClient, type PageBlobClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import { afterAll, expect, it } from "vitest";
import { DEFAULT_ACCOUNTS } from "../../local/emulator/index";
import { prng, seedFromEnv } from "../emulator/helpers";
import { freePort } from "../support/ports";

const root = path.resolve(__dirname, "../..");
const MiB = 1024 * 1024;
const DISK_BYTES = 64 * MiB;
const KEY = DEFAULT_ACCOUNTS[0]!.key;
const ROUNDS = 2;
const KILLS_PER_ROUND = 2;

interface App {
  child: ChildProcess;
  api: string;
  output: () => string;
}

const live = new Set<ChildProcess>();
const folders: string[] = [];
afterAll(async () => {
  for (const child of live) child.kill("SIGKILL");
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});

async function startApp(env: Record<string, string>): Promise<App> {
  const child = spawn(process.execPath, [path.join(root, "dist/local/start.js")], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(child);
  child.once("exit", () => live.delete(child));
  let output = "";
  const api = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not get ready:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const host = /Function host:\s+(http:\/\/127\.0\.0\.1:\d+)\/api/.exec(output);
      if (host && output.includes("Ready in")) {
        clearTimeout(timer);
        resolve(`${host[1]}`);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited (${code}):\n${output}`));
    });
  });
  return { child, api, output: () => output };
}

async function kill(app: App): Promise<void> {
  const exited = new Promise((resolve) => app.child.once("exit", resolve));
  app.child.kill("SIGKILL");
  await exited;
}

interface Status {
  runtimeStatus: string;
  customStatus?: { phase?: string; bytesDone?: number } | null;
  output?: { disks?: { status: string; reason?: string }[] } | null;
}

async function status(app: App, id: string): Promise<Status | undefined> {
  try {
    const response = await fetch(`${app.api}/runtime/webhooks/durabletask/instances/${id}`);
    return response.status === 404 ? undefined : ((await response.json()) as Status);
  } catch {
    return undefined;
  }
}

const done = (s: Status | undefined) =>
  ["Completed", "Failed", "Terminated"].includes(s?.runtimeStatus ?? "");

/** True once a disk's sub-orchestration is copying (the run's own status only moves on its poll timer). */
async function copying(app: App): Promise<boolean> {
  try {
    const response = await fetch(`${app.api}/runtime/webhooks/durabletask/instances?runtimeStatus=Running`);
    const instances = (await response.json()) as Status[];
    return instances.some((i) => i.customStatus?.phase === "copy");
  } catch {
    return false;
  }
}

/** Waits until the backup is copying (or done), then a seeded random moment more. */
async function killDuringCopy(app: App, id: string, rnd: () => number): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    if ((await copying(app)) || done(await status(app, id))) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  await new Promise((r) => setTimeout(r, rnd() * 1500));
  await kill(app);
}

async function waitDone(app: App, id: string): Promise<Status> {
  let last: Status | undefined;
  for (const deadline = Date.now() + 45_000; Date.now() < deadline; ) {
    last = await status(app, id);
    if (done(last)) return last!;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`backup ${id} did not finish (last status ${JSON.stringify(last)}):\n${app.output()}`);
}

async function writeRandom(
  disk: PageBlobClient,
  model: Buffer,
  rnd: () => number,
  ranges: number,
  size: number,
) {
  for (let i = 0; i < ranges; i++) {
    const offset = Math.floor((rnd() * (DISK_BYTES - size)) / 512) * 512;
    const data = Buffer.alloc(size);
    for (let j = 0; j < size; j += 4) data.writeUInt32LE(Math.floor(rnd() * 2 ** 32), j);
    await disk.uploadPages(data, offset, size);
    data.copy(model, offset);
  }
}

interface Point {
  restorePointId: string;
  status: string;
  backupUrl: string;
  backupSnapshot: string;
  sourceSnapshot: string;
  startedAt: string;
}

it("resumes a backup killed at random points of its copy; every restore point matches its source", async () => {
  if (!existsSync(path.join(root, "dist/local/start.js"))) throw new Error("Build first: npm run build");
  const seed = seedFromEnv("TEST_SEED");
  console.log(`npm start crash seed: ${seed} (rerun with TEST_SEED=${seed})`);
  const rnd = prng(seed);
  const location = await mkdtemp(path.join(tmpdir(), "start-crash-"));
  folders.push(location);
  const [blobPort, tablePort] = [await freePort(), await freePort()];
  const blob = (account: string) => `http://127.0.0.1:${blobPort}/${account}`;
  const env = {
    EMULATOR_LOCATION: location,
    EMULATOR_BLOB_PORT: String(blobPort),
    EMULATOR_TABLE_PORT: String(tablePort),
    PORT: "0",
    ARM_PORT: "0",
    DEMO_DISK: "false",
    DURABLE_TASK_HUB_NAME: "crashhub",
    // Whatever a developer's local.settings.json says, this test runs against its own emulator only.
    AzureWebJobsStorage: "UseDevelopmentStorage=true",
    STORAGE_ACCOUNT_KEYS: DEFAULT_ACCOUNTS.map((a) => `${a.name}:${a.key}`).join(";"),
    BACKUP_SOURCES: `${blob("devstoreaccount1")}/vhds`,
    BACKUP_TARGET: `${blob("devbackupaccount")}/backups`,
    LINEAGE_TABLE: `http://127.0.0.1:${tablePort}/devbackupaccount/lineage`,
    BACKUP_SCHEDULE: "0 0 0 1 1 *",
  };
  let app = await startApp(env);
  const credential = new StorageSharedKeyCredential("devstoreaccount1", KEY);
  const sources = new BlobServiceClient(blob("devstoreaccount1"), credential).getContainerClient("vhds");
  await sources.create();
  const disk = sources.getPageBlobClient("disk.vhd");
  await disk.create(DISK_BYTES);
  const model = Buffer.alloc(DISK_BYTES);
  // What the disk held when each run started (nothing writes to it while a backup runs).
  const expected = new Map<string, Buffer>();
  let kills = 0;
  for (let round = 0; round < ROUNDS; round++) {
    // Round 0: 48 MiB in 4 MiB pieces (a full backup); later rounds: scattered 64 KiB changes.
    if (round === 0) await writeRandom(disk, model, rnd, 12, 4 * MiB);
    else await writeRandom(disk, model, rnd, 96, 64 * 1024);
    const started = await fetch(`${app.api}/api/backups`, { method: "POST", body: "{}" });
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as { id: string };
    expected.set(id, Buffer.from(model));
    for (let k = 0; k < KILLS_PER_ROUND; k++) {
      await killDuringCopy(app, id, rnd);
      kills++;
      app = await startApp(env);
    }
    const final = await waitDone(app, id);
    expect(final.runtimeStatus, app.output()).toBe("Completed");
    expect(
      final.output?.disks?.map((d) => d.status),
      JSON.stringify(final.output),
    ).toEqual(["completed"]);
  }

  const disks = (await (await fetch(`${app.api}/api/disks`)).json()) as { disks: { id: string }[] };
  expect(disks.disks).toHaveLength(1);
  const points = (
    (await (await fetch(`${app.api}/api/disks/${disks.disks[0]!.id}/restore-points`)).json()) as {
      restorePoints: (Point & { runId?: string })[];
    }
  ).restorePoints.filter((p) => p.status === "completed");
  expect(points.length).toBe(ROUNDS);
  const backupCredential = new StorageSharedKeyCredential("devbackupaccount", KEY);
  for (const point of points) {
    const runId = point.runId ?? "";
    const source = expected.get(runId);
    expect(source, `restore point ${point.restorePointId} of run ${runId}`).toBeDefined();
    const url = new URL(point.backupUrl);
    const backup = new BlobServiceClient(`${url.origin}/devbackupaccount`, backupCredential)
      .getContainerClient(decodeURIComponent(url.pathname.split("/")[2]!))
      .getPageBlobClient(decodeURIComponent(url.pathname.split("/").slice(3).join("/")))
      .withSnapshot(point.backupSnapshot);
    const bytes = await backup.downloadToBuffer();
    const firstDifference = bytes.findIndex((b, i) => b !== source![i]);
    expect(firstDifference, `restore point ${point.restorePointId}: first differing byte`).toBe(-1);
    expect(bytes.length).toBe(DISK_BYTES);
  }
  // The newest source snapshot is kept as the next diff base: it must hold the same bytes too.
  const newest = points[0]!;
  const sourceSnapshot = await disk.withSnapshot(newest.sourceSnapshot).downloadToBuffer();
  expect(sourceSnapshot.equals(expected.get((newest as Point & { runId?: string }).runId ?? "")!)).toBe(true);
  await kill(app);
  console.log(
    `npm start crash: ${kills} kills over ${ROUNDS} backups, ${points.length} restore points verified`,
  );
});

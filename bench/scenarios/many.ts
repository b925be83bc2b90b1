// Scenario 13, many disks at once: 100 disks of 1 GiB in one backup run through the local runtime, after
// a 1% change on each; against the copy engine doing the same copies as many disks at a time as the
// runtime runs activities. Also the run's history per disk, how soon it ends after its last disk, and the
// peak RSS of the process that hosts the runtime and the app.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createAppContext } from "../../src/app/context";
import { loadSettings } from "../../src/config/settings";
import { diskOf } from "../../src/disks/identity";
import { parseBlobUrl, requireBlobUrl } from "../../src/storage/urls";
import { BACKUP_ACCOUNT, type Bench, type Measurement, SOURCE_ACCOUNT } from "../bench";
import { GiB } from "../config";
import { mulberry32 } from "../random";

export interface ManySummary {
  disks: number;
  changedBytesPerDisk: number;
  /** The runtime's activity concurrency (host.json maxConcurrentActivityFunctions). */
  parallelDisks: number;
  first: Measurement;
  engine: Measurement;
  runtime: Measurement;
}

const APP_ROOT = join(__dirname, "..", "..", "..");
const BLOCK = 256 * 1024;

function containerOf(url: string) {
  const parsed = parseBlobUrl(url);
  if (!parsed.ok) throw new Error(`${url}: ${parsed.error}`);
  return parsed.value;
}
/** host.json: maxConcurrentActivityFunctions. */
const ACTIVITY_CONCURRENCY = 8;

/** `count` distinct 256 KiB blocks at seeded offsets of a 1 GiB disk (beyond its first MiB). */
function changesOf(seed: number, count: number) {
  const rand = mulberry32(seed);
  const slots = new Set<number>();
  while (slots.size < count) slots.add(4 + Math.floor(rand() * (GiB / BLOCK - 4)));
  return [...slots].sort((a, b) => a - b).map((slot) => ({ offset: slot * BLOCK, length: BLOCK }));
}

export async function runMany(bench: Bench): Promise<ManySummary | undefined> {
  if (!existsSync(join(APP_ROOT, "dist", "src", "functions", "backupApi.js"))) {
    bench.notes.push("11 many disks: not measured (the function app is not built).");
    return undefined;
  }
  const { manyDisks: count, manyAllocatedBytes, manyChangedBytes, seed } = bench.config;
  await bench.createContainer(SOURCE_ACCOUNT, "bench-many");
  await bench.createContainer(BACKUP_ACCOUNT, "bench-many-scratch");
  const container = `${bench.emulator.blobEndpoint(SOURCE_ACCOUNT)}/bench-many`;
  const backupTarget = `${bench.emulator.blobEndpoint(BACKUP_ACCOUNT)}/bench-many-backups`;
  const settings = {
    FUNCTIONS_WORKER_RUNTIME: "node",
    AzureWebJobsStorage: bench.emulator.connectionString(SOURCE_ACCOUNT),
    DURABLE_TASK_HUB_NAME: "benchmany",
    BACKUP_SOURCES: container,
    BACKUP_TARGET: backupTarget,
    LINEAGE_TABLE: `${bench.emulator.tableEndpoint(BACKUP_ACCOUNT)}/benchmanylineage`,
    BACKUP_SCHEDULE: "0 0 0 1 1 *",
    STORAGE_ACCOUNT_KEYS: bench.emulator.accounts.map((a) => `${a.name}:${a.key}`).join(";"),
  };
  const names = Array.from({ length: count }, (_, i) => `many-${String(i).padStart(3, "0")}.vhd`);
  const diskIds = names.map((n) => diskOf(requireBlobUrl(`${container}/${n}`), containerOf(backupTarget)).id);
  bench.log(`many disks: ${count} × 1 GiB, ${manyChangedBytes / 2 ** 20} MiB changed on each`);
  for (const name of names) {
    const disk = bench.pageBlob(SOURCE_ACCOUNT, "bench-many", name);
    await disk.create(GiB);
    await bench.writeRanges(disk, [{ offset: 0, length: manyAllocatedBytes }], 4);
  }
  const runParams = { appRoot: APP_ROOT, settings, diskIds };
  const first = await bench.measure(
    "13 many",
    `first run, ${count} disks (full)`,
    "runtimeBackup",
    runParams,
  );
  // The diff bases the second run will use, for the engine's copies of the same windows.
  const ctx = createAppContext(loadSettings(settings), { log: () => {} });
  const bases = await Promise.all(diskIds.map((id) => ctx.lineage.latestCompleted(id)));
  const disks = [];
  for (let i = 0; i < count; i++) {
    const disk = bench.pageBlob(SOURCE_ACCOUNT, "bench-many", names[i]!);
    await bench.writeRanges(disk, changesOf(seed + 100 + i, manyChangedBytes / BLOCK), 8);
    const snapshot = (await disk.createSnapshot()).snapshot ?? "";
    await bench.pageBlob(BACKUP_ACCOUNT, "bench-many-scratch", names[i]!).create(GiB);
    const base = bases[i];
    if (!base) throw new Error(`no restore point for ${diskIds[i]}`);
    disks.push({
      source: { account: SOURCE_ACCOUNT, container: "bench-many", blob: names[i], snapshot },
      destination: { account: BACKUP_ACCOUNT, container: "bench-many-scratch", blob: names[i] },
      prevSnapshot: base.sourceSnapshot,
    });
  }
  const engine = await bench.measure(
    "13 many",
    `copy engine, ${count} disks, ${ACTIVITY_CONCURRENCY} at a time`,
    "engineManyDisks",
    { disks, sizeBytes: GiB, parallelDisks: ACTIVITY_CONCURRENCY },
  );
  // The engine's copies go before the runtime's run and are deleted: 100 blobs left from the engine would
  // grow the emulator's metadata (its checkpoints rewrite it whole). Both runs then meet the same state.
  await Promise.all(
    names.map((name) => bench.pageBlob(BACKUP_ACCOUNT, "bench-many-scratch", name).deleteIfExists()),
  );
  const runtime = await bench.measure(
    "13 many",
    `local runtime, one run of ${count} disks (1% changed)`,
    "runtimeBackup",
    runParams,
  );
  runtime.ratios.timeVsEngine = runtime.seconds / engine.seconds;
  runtime.ratios.historyEventsPerDisk = Number(runtime.details.historyEvents) / count;
  runtime.ratios.activitiesPerDisk = Number(runtime.details.activities) / count;
  return {
    disks: count,
    changedBytesPerDisk: manyChangedBytes,
    parallelDisks: ACTIVITY_CONCURRENCY,
    first,
    engine,
    runtime,
  };
}

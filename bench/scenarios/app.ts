// Scenarios 6 and 7 on one disk through the app itself: the same backups through the local Functions
// runtime end to end, through the app's steps in-process and through the copy engine directly
// (orchestration overhead, activities and history events per GiB changed, how soon the run ends after its
// disk); then a restore, on loopback and under the Azure-shaped profile.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { diskOf } from "../../src/disks/identity";
import { coalesce, totalBytes } from "../../src/ranges";
import { parseBlobUrl, requireBlobUrl } from "../../src/storage/urls";
import { BACKUP_ACCOUNT, type Bench, type Measurement, SOURCE_ACCOUNT } from "../bench";
import { GiB, MiB } from "../config";
import { allocationLayout, changeWrites, mulberry32 } from "../random";
import type { Ceiling } from "./ceiling";

const EXTENT = 4 * MiB;
const APP_ROOT = join(__dirname, "..", "..", "..");

function perGiB(m: Measurement, changedBytes: number): void {
  const gib = changedBytes / GiB;
  m.ratios.activitiesPerGiB = Number(m.details.activities) / gib;
  m.ratios.historyEventsPerGiB = Number(m.details.historyEvents) / gib;
}

export async function runApp(bench: Bench, ceiling: Ceiling): Promise<void> {
  if (!existsSync(join(APP_ROOT, "dist", "src", "functions", "backupApi.js"))) {
    bench.notes.push(
      "6 orchestration and 7 restore: not measured (the function app is not built: dist/src/functions missing).",
    );
    return;
  }
  const { appAllocatedBytes: allocated, seed } = bench.config;
  const size = GiB;
  await bench.createContainer(SOURCE_ACCOUNT, "bench-app");
  await bench.createContainer(BACKUP_ACCOUNT, "bench-app-scratch");
  const disk = bench.pageBlob(SOURCE_ACCOUNT, "bench-app", "disk-app.vhd");
  await disk.create(size);
  const layout = allocationLayout(mulberry32(seed + 11), size, EXTENT, allocated / EXTENT);
  await bench.writeRanges(disk, layout, 4);
  const keys = bench.emulator.accounts.map((a) => `${a.name}:${a.key}`).join(";");
  const sourceUrl = `${bench.emulator.blobEndpoint(SOURCE_ACCOUNT)}/bench-app/disk-app.vhd`;
  const targetUrl = `${bench.emulator.blobEndpoint(BACKUP_ACCOUNT)}/bench-app-backups`;
  const settings = {
    FUNCTIONS_WORKER_RUNTIME: "node",
    AzureWebJobsStorage: bench.emulator.connectionString(SOURCE_ACCOUNT),
    DURABLE_TASK_HUB_NAME: "benchhub",
    BACKUP_SOURCES: sourceUrl,
    BACKUP_TARGET: targetUrl,
    LINEAGE_TABLE: `${bench.emulator.tableEndpoint(BACKUP_ACCOUNT)}/benchlineage`,
    BACKUP_SCHEDULE: "0 0 0 1 1 *",
    STORAGE_ACCOUNT_KEYS: keys,
  };
  const target = parseBlobUrl(targetUrl);
  if (!target.ok) throw new Error(`${targetUrl}: ${target.error}`);
  const diskId = diskOf(requireBlobUrl(sourceUrl), target.value).id;
  const source = (snapshot: string) => ({
    account: SOURCE_ACCOUNT,
    container: "bench-app",
    blob: "disk-app.vhd",
    snapshot,
  });
  const scratch = { account: BACKUP_ACCOUNT, container: "bench-app-scratch", blob: "disk-app.vhd" };
  const label = `${allocated / MiB} MiB in 1 GiB`;

  const s0 = (await disk.createSnapshot()).snapshot ?? "";
  const engineFull = await bench.measure("6 orchestr", `full ${label}: copy engine`, "ourBackup", {
    source: source(s0),
    destination: scratch,
    sizeBytes: size,
  });
  const full = await bench.measure("6 orchestr", `full ${label}: local runtime`, "runtimeBackup", {
    appRoot: APP_ROOT,
    settings,
    diskId,
  });
  full.ratios.timeVsEngine = full.seconds / engineFull.seconds;
  perGiB(full, allocated);

  const changed = changeWrites(mulberry32(seed + 12), layout, "rand64K", 0.1);
  await bench.writeRanges(disk, changed, 8);
  const changedBytes = totalBytes(coalesce(changed));
  const s1 = (await disk.createSnapshot()).snapshot ?? "";
  const engineIncr = await bench.measure("6 orchestr", `incr 10% rand64K: copy engine`, "ourBackup", {
    source: source(s1),
    destination: scratch,
    sizeBytes: size,
    prevSnapshot: String(full.details.sourceSnapshot),
  });
  const incr = await bench.measure("6 orchestr", `incr 10% rand64K: local runtime`, "runtimeBackup", {
    appRoot: APP_ROOT,
    settings,
    diskId,
  });
  incr.ratios.timeVsEngine = incr.seconds / engineIncr.seconds;
  perGiB(incr, changedBytes);

  const changed2 = changeWrites(mulberry32(seed + 13), layout, "rand64K", 0.1);
  await bench.writeRanges(disk, changed2, 8);
  const steps = await bench.measure(
    "6 orchestr",
    `incr 10% rand64K: app steps in-process`,
    "appBackupDirect",
    {
      settings,
    },
  );
  steps.ratios.timeVsEngine = steps.seconds / engineIncr.seconds;

  // Scenario 7: a restore of the newest point to a new disk (target first, then verify while promoting),
  // on loopback and under the Azure-shaped profile. Usable = the target complete (its copy ended).
  const restoreParams = (name: string, paced: boolean, copyConcurrency?: number) => ({
    settings,
    diskId,
    targetUrl: `${bench.emulator.blobEndpoint(SOURCE_ACCOUNT)}/bench-app/${name}`,
    allocatedBytes: allocated,
    // On loopback nothing enforces the service's targets: measured against the emulator's ceiling unpaced.
    tuning: { paceBlobTargets: paced, ...(copyConcurrency === undefined ? {} : { copyConcurrency }) },
    replaceTarget: true,
  });
  // A restore on loopback takes a second or two and swings with the machine: the median of three runs.
  const LOOPBACK_RESTORE_RUNS = 3;
  // One Put Page From URL copy of as many bytes, at the ceiling's concurrency, right before the restore: the
  // emulator's metadata grows with what this scenario stored, so this copy sees the same state as the
  // restore (scenario 1 ran on an empty emulator).
  const copySource = bench.pageBlob(SOURCE_ACCOUNT, "bench-app", "same-state-source");
  await copySource.create(allocated);
  await bench.writeRanges(copySource, [{ offset: 0, length: allocated }], 4);
  await bench.pageBlob(BACKUP_ACCOUNT, "bench-app-scratch", "same-state-copy").create(allocated);
  const sameState = await bench.measure(
    "7 restore",
    `one copy of ${allocated / MiB} MiB (Put Page From URL), same emulator state as the restore`,
    "ceilingPutPageFromUrl",
    {
      source: { account: SOURCE_ACCOUNT, container: "bench-app", blob: "same-state-source" },
      destination: { account: BACKUP_ACCOUNT, container: "bench-app-scratch", blob: "same-state-copy" },
      bytes: allocated,
      concurrency: ceiling.putPageFromUrl.concurrency,
    },
  );
  const restore = await bench.measure(
    "7 restore",
    `restore ${label} (target first, verify + promote)`,
    "appRestoreDirect",
    restoreParams("disk-app-restored.vhd", false),
    { runs: LOOPBACK_RESTORE_RUNS },
  );
  const ceilingMibps = ceiling.putPageFromUrl.mibps;
  const oneCopy = allocated / MiB / ceilingMibps;
  restore.ratios.ofCeiling = restore.mibps / ceilingMibps;
  restore.ratios.usableOfCeiling = allocated / MiB / Number(restore.details.usableSeconds) / ceilingMibps;
  restore.ratios.timeVsOneCopy = restore.seconds / oneCopy;
  restore.ratios.usableOfSameStateCopy = sameState.seconds / Number(restore.details.usableSeconds);
  restore.ratios.timeVsSameStateCopy = restore.seconds / sameState.seconds;
  // The app's default concurrency (8) is set for the service's latency; this emulator copies 4 MiB pieces
  // fastest with fewer in flight (the ceiling's sweep). The same restore at the ceiling's concurrency
  // separates what the app adds from what the concurrency costs here.
  const atCeiling = await bench.measure(
    "7 restore",
    `restore ${label} at the ceiling's concurrency (${ceiling.putPageFromUrl.concurrency})`,
    "appRestoreDirect",
    restoreParams("disk-app-restored-c.vhd", false, ceiling.putPageFromUrl.concurrency),
    { runs: LOOPBACK_RESTORE_RUNS },
  );
  atCeiling.ratios.usableOfCeiling = allocated / MiB / Number(atCeiling.details.usableSeconds) / ceilingMibps;
  atCeiling.ratios.timeVsOneCopy = atCeiling.seconds / oneCopy;
  atCeiling.ratios.usableOfSameStateCopy = sameState.seconds / Number(atCeiling.details.usableSeconds);
  const azure = await bench.underProfile(() =>
    bench.measure(
      "11 azure",
      `restore ${label}, Azure-shaped`,
      "appRestoreDirect",
      restoreParams("disk-app-restored-azure.vhd", true),
    ),
  );
  const perBlob = bench.profile.blobBytesPerSecond / MiB;
  azure.ratios.ofTarget = azure.mibps / perBlob;
  azure.ratios.usableOfTarget = allocated / MiB / Number(azure.details.usableSeconds) / perBlob;
  azure.ratios.timeVsOneCopy = azure.seconds / (allocated / MiB / perBlob);
}

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
import { median } from "../median";
import { allocationLayout, changeWrites, mulberry32 } from "../random";
import type { Ceiling } from "./ceiling";
import { plainCopy } from "./plainCopy";

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
  // Scenario 9's sweep reads both sides fastest at 4 pairs in flight on this emulator.
  const PAIRED_READ_CONCURRENCY = 4;
  // The restore runs in turns with a plain Put Page From URL copy of as many bytes at the ceiling's
  // concurrency: the emulator's metadata grows with what this scenario stored (scenario 1 ran on an empty
  // emulator) and its rate swings from run to run, so each round compares runs on the same state.
  const sameStateCopy = await plainCopy(bench, {
    scenario: "7 restore",
    label: `one copy of ${allocated / MiB} MiB (Put Page From URL), same emulator state, in turns with the restore`,
    sourceContainer: "bench-app",
    destinationContainer: "bench-app-scratch",
    sourceBlob: "same-state-source",
    destinationBlob: "same-state-copy",
    bytes: allocated,
    concurrency: ceiling.putPageFromUrl.concurrency,
  });
  // What a restore verified by reading both sides back does, done plainly: that copy, then a plain read of
  // as many bytes from both sides (the restore point's source snapshot and its backup snapshot, 4 MiB pieces,
  // nothing hashed or compared), on the same state in the same round.
  const plainPairedRead = {
    scenario: "7 restore",
    label: `paired read of ${allocated / MiB} MiB from both sides (no hashing), in turns with the restore`,
    task: "pairedReadCeiling",
    params: { settings, diskId, concurrency: PAIRED_READ_CONCURRENCY },
  };
  const inTurns = await bench.measureInTurns(
    {
      scenario: "7 restore",
      label: `restore ${label} (target first, verify + promote)`,
      task: "appRestoreDirect",
      params: restoreParams("disk-app-restored.vhd", false),
    },
    sameStateCopy,
    LOOPBACK_RESTORE_RUNS,
    plainPairedRead,
  );
  const { measured: restore, reference: sameState } = inTurns;
  const ceilingMibps = ceiling.putPageFromUrl.mibps;
  const oneCopy = allocated / MiB / ceilingMibps;
  restore.ratios.ofCeiling = restore.mibps / ceilingMibps;
  restore.ratios.usableOfCeiling = allocated / MiB / Number(restore.details.usableSeconds) / ceilingMibps;
  restore.ratios.timeVsOneCopy = restore.seconds / oneCopy;
  const usableShares = inTurns.rounds.map(
    (r) => r.reference.seconds / Number(r.measured.details.usableSeconds),
  );
  const totalTimes = inTurns.rounds.map((r) => r.measured.seconds / r.reference.seconds);
  restore.ratios.usableOfSameStateCopy = median(usableShares);
  restore.ratios.timeVsSameStateCopy = median(totalTimes);
  restore.details.sameStateUsableShares = usableShares.map((v) => v.toFixed(2)).join(" ");
  restore.details.sameStateTimes = totalTimes.map((v) => v.toFixed(2)).join(" ");
  const copyThenRead = inTurns.rounds.map(
    (r) => (r.reference.seconds + (r.also?.seconds ?? 0)) / r.reference.seconds,
  );
  restore.ratios.copyThenReadInTurns = median(copyThenRead);
  restore.ratios.timeVsCopyThenRead = median(
    inTurns.rounds.map((r) => r.measured.seconds / (r.reference.seconds + (r.also?.seconds ?? 0))),
  );
  restore.details.copyThenReadTimes = copyThenRead.map((v) => v.toFixed(2)).join(" ");
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

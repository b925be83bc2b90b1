// Scenario 12, revert by diff: on a 1 GiB and a 64 GiB disk with the same allocation, the incremental
// backup of a 1% change through the app's steps, then (after another 1% change) the in-place restore of
// the newest point (safety point, revert by diff, verification) through the same steps, five rounds
// (the median reported), on loopback and again under the Azure-shaped profile. Cost must follow the
// change, not the disk.
import { diskOf } from "../../src/disks/identity";
import { coalesce, totalBytes } from "../../src/ranges";
import { parseBlobUrl, requireBlobUrl } from "../../src/storage/urls";
import { BACKUP_ACCOUNT, type Bench, type Measurement, SOURCE_ACCOUNT } from "../bench";
import { GiB, MiB } from "../config";
import { allocationLayout, changeWrites, mulberry32 } from "../random";

export interface RevertCase {
  label: string;
  provisionedBytes: number;
  changedBytes: number;
  backup: Measurement;
  revert: Measurement;
  /** The same point restored in full to a new disk (what a restore wrote before revert by diff). */
  full: Measurement;
  /** The same rounds under the Azure-shaped profile (paced, 10 ms per request): the median round. */
  azure?: { backup: Measurement; revert: Measurement };
}

export interface RevertSummary {
  cases: RevertCase[];
}

const EXTENT = 4 * MiB;

function containerOf(url: string) {
  const parsed = parseBlobUrl(url);
  if (!parsed.ok) throw new Error(`${url}: ${parsed.error}`);
  return parsed.value;
}
/** Loopback: nothing enforces the service's targets, so neither side is rate-paced. */
const TUNING = { paceBlobTargets: false };
/** Under the Azure-shaped profile both sides pace each blob at the app's default share of its targets. */
const AZURE_TUNING = { paceBlobTargets: true };

/** Rounds of (change, backup, change, revert) per disk size. */
const REVERT_ROUNDS = 5;

function sizeLabel(bytes: number): string {
  return `${bytes / GiB} GiB`;
}

export async function runRevert(bench: Bench): Promise<RevertSummary> {
  const { scaleAllocatedBytes: allocated, seed } = bench.config;
  await bench.createContainer(SOURCE_ACCOUNT, "bench-revert");
  const keys = bench.emulator.accounts.map((a) => `${a.name}:${a.key}`).join(";");
  const backupTarget = `${bench.emulator.blobEndpoint(BACKUP_ACCOUNT)}/bench-revert-backups`;
  const cases: RevertCase[] = [];
  for (const provisioned of bench.config.revertDiskBytes) {
    const label = sizeLabel(provisioned);
    const name = `revert-${provisioned / GiB}g.vhd`;
    const disk = bench.pageBlob(SOURCE_ACCOUNT, "bench-revert", name);
    await disk.create(provisioned);
    // Same seed for every size: the same extents (by rank) and the same changes within them.
    const layout = allocationLayout(mulberry32(seed + 21), provisioned, EXTENT, allocated / EXTENT);
    await bench.writeRanges(disk, layout, 4);
    const sourceUrl = `${bench.emulator.blobEndpoint(SOURCE_ACCOUNT)}/bench-revert/${name}`;
    const settings = {
      BACKUP_SOURCES: sourceUrl,
      BACKUP_TARGET: backupTarget,
      LINEAGE_TABLE: `${bench.emulator.tableEndpoint(BACKUP_ACCOUNT)}/benchrevertlineage`,
      STORAGE_ACCOUNT_KEYS: keys,
    };
    const diskId = diskOf(requireBlobUrl(sourceUrl), containerOf(backupTarget)).id;
    const params = { settings, tuning: TUNING };
    await bench.measure("12 revert", `first backup, ${label} disk`, "appBackupDirect", params);
    // The ratio of two sub-second runs swings ±20% with the machine: the median of five rounds of
    // (change, backup, change, revert) is reported, with the round it comes from; then the same rounds
    // under the Azure-shaped profile, where each request's latency, not this machine, sets the pace.
    const rounds = { layout, disk, diskId, sourceUrl, settings, label };
    const { backup, revert, changed } = await revertRounds(bench, rounds, TUNING, "");
    const full = await bench.measure(
      "12 revert",
      `full restore of the same point to a new disk, ${label}`,
      "appRestoreDirect",
      { ...params, diskId, targetUrl: sourceUrl.replace(/\.vhd$/, "-full.vhd"), allocatedBytes: allocated },
    );
    full.ratios.timeVsBackup = full.seconds / backup.seconds;
    const azure = await bench.underProfile(() => revertRounds(bench, rounds, AZURE_TUNING, ", Azure-shaped"));
    cases.push({
      label,
      provisionedBytes: provisioned,
      changedBytes: changed,
      backup,
      revert,
      full,
      azure: { backup: azure.backup, revert: azure.revert },
    });
  }
  return { cases };
}

interface RoundsOf {
  layout: ReturnType<typeof allocationLayout>;
  disk: ReturnType<Bench["pageBlob"]>;
  diskId: string;
  sourceUrl: string;
  settings: Record<string, string>;
  label: string;
}

/** Rounds of (change, backup, change, revert) on one disk; the round with the median ratio. */
async function revertRounds(bench: Bench, of: RoundsOf, tuning: Record<string, unknown>, suffix: string) {
  const { layout, disk, diskId, sourceUrl, settings, label } = of;
  const params = { settings, tuning };
  const seed = bench.config.seed + (suffix === "" ? 0 : 1000);
  const rounds: { backup: Measurement; revert: Measurement; changed: number }[] = [];
  for (let round = 0; round < REVERT_ROUNDS; round++) {
    const first = changeWrites(mulberry32(seed + 22 + 10 * round), layout, "rand64K", 0.01);
    await bench.writeRanges(disk, first, 8);
    const backup = await bench.measure(
      "12 revert",
      `incremental backup of a 1% change, ${label} disk${suffix}`,
      "appBackupDirect",
      params,
    );
    const second = changeWrites(mulberry32(seed + 23 + 10 * round), layout, "rand64K", 0.01);
    await bench.writeRanges(disk, second, 8);
    const revert = await bench.measure(
      "12 revert",
      `revert a 1% change in place, ${label} disk${suffix}`,
      "appRestoreDirect",
      { ...params, diskId, targetUrl: sourceUrl, overwrite: true },
    );
    if (revert.details.revert !== 1)
      bench.notes.push(`12 revert: the ${label} disk was not reverted by diff.`);
    revert.ratios.timeVsBackup = revert.seconds / backup.seconds;
    rounds.push({ backup, revert, changed: totalBytes(coalesce(second)) });
  }
  const ordered = [...rounds].sort((a, b) => a.revert.ratios.timeVsBackup! - b.revert.ratios.timeVsBackup!);
  const median = ordered[Math.floor(ordered.length / 2)]!;
  median.revert.details.roundRatios = rounds.map((r) => r.revert.ratios.timeVsBackup!.toFixed(2)).join(" ");
  return median;
}

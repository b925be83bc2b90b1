// Scenarios 2-4: the first backup of a disk with U allocated in P provisioned, incremental windows at
// several change fractions and patterns, and the naive baselines on the same snapshots in the same run.
import { coalesce, MAX_PUT_PAGE_BYTES, splitRanges, totalBytes } from "../../src/ranges";
import { BACKUP_ACCOUNT, type Bench, type Measurement, SOURCE_ACCOUNT } from "../bench";
import { MiB } from "../config";
import { median } from "../median";
import { allocationLayout, type ChangePattern, changeWrites, mulberry32 } from "../random";
import type { Ceiling } from "./ceiling";
import { plainCopy } from "./plainCopy";

export interface WindowResult {
  pattern: ChangePattern;
  fraction: number;
  changedBytes: number;
  optimumWrites: number;
  ours: Measurement;
  naive?: Measurement;
  naiveFull?: Measurement;
  /** The same window again under the Azure-shaped profile (latency per request, the service's targets). */
  azure?: { ours: Measurement; naive: Measurement };
}

export interface BackupSummary {
  first: Measurement;
  firstOptimumWrites: number;
  naiveFullFirst: Measurement;
  /** The first backup and the full snapshot copy again under the Azure-shaped profile (scenario 11). */
  azureFirst?: Measurement;
  azureNaiveFull?: Measurement;
  windows: WindowResult[];
}

// Random 4 KiB last: it fragments the source into thousands of ranges, and Azurite's range lookups are
// linear in the range count, which would slow every later window whatever its pattern.
const PATTERNS: ChangePattern[] = ["seq1M", "rand64K", "rand4K"];
const DISK = { container: "bench-disks", blob: "disk-main" };

function pct(fraction: number): string {
  return `${Number((fraction * 100).toFixed(2))}%`;
}

/** Share of the per-blob throughput target (the profile's) a measurement reached. */
export function ofTarget(bench: Bench, m: Measurement): number {
  return m.mibps / (bench.profile.blobBytesPerSecond / MiB);
}

/** The same window, ours and the naive script, under the Azure-shaped profile. */
async function underProfile(
  bench: Bench,
  label: string,
  params: { ours: Record<string, unknown>; naive: Record<string, unknown> },
): Promise<WindowResult["azure"]> {
  return bench.underProfile(async () => {
    const tag = `${label}, Azure-shaped`;
    // Ours is idempotent and short next to the script: the median of three steadies the ratio.
    const ours = await bench.measure("11 azure", `incremental ${tag}`, "ourBackup", params.ours, {
      runs: 3,
    });
    const naive = await bench.measure(
      "11 azure",
      `naive incremental ${tag}`,
      "naiveIncremental",
      params.naive,
    );
    ours.ratios.speedupVsNaive = naive.seconds / ours.seconds;
    return { ours, naive };
  });
}

export async function runBackups(bench: Bench, ceiling: Ceiling): Promise<BackupSummary> {
  const { allocatedBytes: U, provisionedBytes: P, extentBytes, seed } = bench.config;
  const rand = mulberry32(seed);
  const layout = allocationLayout(rand, P, extentBytes, U / extentBytes);
  bench.log(`disk: ${U / MiB} MiB allocated in ${P / MiB} MiB provisioned, ${layout.length} extents`);
  for (const container of ["bench-disks"]) await bench.createContainer(SOURCE_ACCOUNT, container);
  for (const container of ["bench-backups", "bench-naive"])
    await bench.createContainer(BACKUP_ACCOUNT, container);
  const disk = bench.pageBlob(SOURCE_ACCOUNT, DISK.container, DISK.blob);
  await disk.create(P);
  await bench.writeRanges(disk, layout, 4);
  let previous = (await disk.createSnapshot()).snapshot ?? "";
  const source = (snapshot: string) => ({ account: SOURCE_ACCOUNT, ...DISK, snapshot });
  const backup = { account: BACKUP_ACCOUNT, container: "bench-backups", blob: DISK.blob };
  const naiveTarget = { account: BACKUP_ACCOUNT, container: "bench-naive", blob: DISK.blob };
  const ppfuCeiling = ceiling.putPageFromUrl.mibps;

  // The first backup runs in turns with a plain copy of as many bytes at the ceiling's concurrency (the
  // minimal loop of scenario 1, here on this scenario's emulator): each round compares like with like.
  const { concurrency } = ceiling.putPageFromUrl;
  const plain = await plainCopy(bench, {
    scenario: "2 first",
    label: `plain copy of ${U / MiB} MiB (Put Page From URL, concurrency ${concurrency}), in turns`,
    sourceContainer: "bench-disks",
    destinationContainer: "bench-naive",
    sourceBlob: "plain-copy-source",
    destinationBlob: "plain-copy",
    bytes: U,
    concurrency,
  });
  const inTurns = await bench.measureInTurns(
    {
      scenario: "2 first",
      label: `first backup ${U / MiB} MiB in ${P / MiB} MiB`,
      task: "ourBackup",
      params: {
        source: source(previous),
        destination: backup,
        sizeBytes: P,
        // On loopback nothing enforces the service's targets: the engine runs unpaced against the ceiling.
        pace: false,
      },
    },
    plain,
    3,
  );
  const first = inTurns.measured;
  const shares = inTurns.rounds.map((r) => r.reference.seconds / r.measured.seconds);
  first.ratios.ofPlainCopyInTurns = median(shares);
  first.details.plainCopyShares = shares.map((share) => share.toFixed(2)).join(" ");
  const firstOptimumWrites = splitRanges(coalesce(layout), MAX_PUT_PAGE_BYTES).length;
  first.ratios.ofCeiling = first.mibps / ppfuCeiling;
  inTurns.reference.ratios.ofCeiling = inTurns.reference.mibps / ppfuCeiling;
  first.ratios.writesVsOptimum = (first.requests.putPageFromUrl ?? 0) / firstOptimumWrites;
  const naiveFullFirst = await bench.measure(
    "4a naive",
    "full snapshot copy (first window)",
    "naiveFullCopy",
    {
      source: source(previous),
      destination: { ...naiveTarget, blob: "full-first" },
      allocatedBytes: U,
    },
    { runs: 3 },
  );
  naiveFullFirst.ratios.ofCeiling = naiveFullFirst.mibps / ppfuCeiling;
  first.ratios.speedupVsNaiveFull = naiveFullFirst.seconds / first.seconds;
  // Scenario 11: the same first backup and full copy where the service's per-blob targets are the limit.
  const { azureFirst, azureNaiveFull } = await bench.underProfile(async () => {
    const ours = await bench.measure("11 azure", `first backup ${U / MiB} MiB, Azure-shaped`, "ourBackup", {
      source: source(previous),
      destination: { ...backup, blob: `${DISK.blob}-azure` },
      sizeBytes: P,
    });
    const full = await bench.measure(
      "11 azure",
      "full snapshot copy (first window), Azure-shaped",
      "naiveFullCopy",
      {
        source: source(previous),
        destination: { ...naiveTarget, blob: "full-first-azure" },
        allocatedBytes: U,
      },
    );
    return { azureFirst: ours, azureNaiveFull: full };
  });
  azureFirst.ratios.ofTarget = ofTarget(bench, azureFirst);
  azureNaiveFull.ratios.ofTarget = ofTarget(bench, azureNaiveFull);
  azureFirst.ratios.speedupVsNaiveFull = azureNaiveFull.seconds / azureFirst.seconds;
  await bench.pageBlob(BACKUP_ACCOUNT, naiveTarget.container, naiveTarget.blob).create(P);

  const windows: WindowResult[] = [];
  for (const pattern of PATTERNS) {
    for (const fraction of bench.config.changeFractions) {
      const writes = changeWrites(rand, layout, pattern, fraction);
      await bench.writeRanges(disk, writes, 8);
      const current = (await disk.createSnapshot()).snapshot ?? "";
      const changed = coalesce(writes);
      const optimumWrites = splitRanges(changed, MAX_PUT_PAGE_BYTES).length;
      const label = `${pattern} ${pct(fraction)}`;
      const ours = await bench.measure(
        "3 incr",
        `incremental ${label}`,
        "ourBackup",
        {
          source: source(current),
          destination: backup,
          sizeBytes: P,
          prevSnapshot: previous,
          pace: false,
        },
        { repeatable: true },
      );
      const result: WindowResult = {
        pattern,
        fraction,
        changedBytes: totalBytes(changed),
        optimumWrites,
        ours,
      };
      ours.details.optimumWrites = optimumWrites;
      ours.ratios.writesVsOptimum = (ours.requests.putPageFromUrl ?? 0) / optimumWrites;
      ours.ratios.timeVsFirst = ours.seconds / first.seconds;
      ours.ratios.ofCeiling = ours.mibps / ppfuCeiling;
      if (bench.config.naiveFractions.includes(fraction)) {
        result.naive = await bench.measure(
          "4b naive",
          `naive incremental ${label}`,
          "naiveIncremental",
          {
            source: source(current),
            destination: naiveTarget,
            sizeBytes: P,
            prevSnapshot: previous,
          },
          { repeatable: true },
        );
        result.naive.ratios.ofCeiling = result.naive.mibps / ppfuCeiling;
        ours.ratios.speedupVsNaive = result.naive.seconds / ours.seconds;
      }
      if (pattern === "rand4K" && fraction === 0.01) {
        result.naiveFull = await bench.measure(
          "4a naive",
          `full snapshot copy (${label} window)`,
          "naiveFullCopy",
          {
            source: source(current),
            destination: { ...naiveTarget, blob: `full-${pattern}` },
            allocatedBytes: U,
          },
        );
        ours.ratios.speedupVsNaiveFull = result.naiveFull.seconds / ours.seconds;
        result.azure = await underProfile(bench, label, {
          ours: { source: source(current), destination: backup, sizeBytes: P, prevSnapshot: previous },
          naive: {
            source: source(current),
            destination: naiveTarget,
            sizeBytes: P,
            prevSnapshot: previous,
          },
        });
      }
      windows.push(result);
      previous = current;
    }
  }
  return { first, firstOptimumWrites, naiveFullFirst, azureFirst, azureNaiveFull, windows };
}

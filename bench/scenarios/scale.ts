// Scenario 5, scale: the same allocation and the same changed data on a 1 GiB and on an 8 TiB sparse disk
// (cost must follow the changed bytes, not the provisioned size), and planning a diff of many fragments.
import { coalesce, totalBytes } from "../../src/ranges";
import { BACKUP_ACCOUNT, type Bench, type Measurement, SOURCE_ACCOUNT } from "../bench";
import { GiB, MiB, TiB } from "../config";
import { fragmentedRanges, startFragmentedResponder } from "../fragmented";
import { allocationLayout, changeWrites, mulberry32 } from "../random";

export interface ScaleSummary {
  disks: { label: string; provisionedBytes: number; first: Measurement; incremental: Measurement }[];
  changedBytes: number;
  /** The 8 TiB window listed the old way (128 GiB segments), to show what one segment saves. */
  oldSegments: Measurement;
  planning?: Measurement;
}

const EXTENT = 4 * MiB;

async function oneDisk(bench: Bench, label: string, provisioned: number, changedBytes: number) {
  const { scaleAllocatedBytes: allocated, seed } = bench.config;
  // Same seed for both disks: the same extents (by rank) and the same changed blocks within them.
  const layout = allocationLayout(mulberry32(seed + 5), provisioned, EXTENT, allocated / EXTENT);
  const disk = bench.pageBlob(SOURCE_ACCOUNT, "bench-scale", label);
  await disk.create(provisioned);
  await bench.writeRanges(disk, layout, 4);
  const s1 = (await disk.createSnapshot()).snapshot ?? "";
  const source = (snapshot: string) => ({
    account: SOURCE_ACCOUNT,
    container: "bench-scale",
    blob: label,
    snapshot,
  });
  const destination = { account: BACKUP_ACCOUNT, container: "bench-scale", blob: label };
  const name = `${label} (${allocated / MiB} MiB allocated)`;
  const first = await bench.measure("5 scale", `first backup ${name}`, "ourBackup", {
    source: source(s1),
    destination,
    sizeBytes: provisioned,
    pace: false,
  });
  const writes = changeWrites(mulberry32(seed + 6), layout, "rand64K", changedBytes / allocated);
  await bench.writeRanges(disk, writes, 8);
  const s2 = (await disk.createSnapshot()).snapshot ?? "";
  const params = { source: source(s2), destination, sizeBytes: provisioned, prevSnapshot: s1, pace: false };
  const incremental = await bench.measure(
    "5 scale",
    `incremental ${label}, ${changedBytes / MiB} MiB changed`,
    "ourBackup",
    params,
    // The 8 TiB / 1 GiB ratio compares two short runs: five each, median, for a steadier ratio.
    { repeatable: true, runs: 5 },
  );
  return {
    label,
    provisionedBytes: provisioned,
    first,
    incremental,
    params,
    changed: totalBytes(coalesce(writes)),
  };
}

export async function runScale(bench: Bench): Promise<ScaleSummary> {
  await bench.createContainer(SOURCE_ACCOUNT, "bench-scale");
  await bench.createContainer(BACKUP_ACCOUNT, "bench-scale");
  const small = await oneDisk(bench, "disk-1gib", GiB, bench.config.scaleChangedBytes);
  const large = await oneDisk(bench, "disk-8tib", 8 * TiB, bench.config.scaleChangedBytes);
  large.incremental.ratios.timeVs1GiB = large.incremental.seconds / small.incremental.seconds;
  large.first.ratios.timeVs1GiB = large.first.seconds / small.first.seconds;
  large.incremental.ratios.rssVs1GiB = large.incremental.peakRssMiB / small.incremental.peakRssMiB;
  // The previous default, 128 GiB listing segments (one request per segment even when it is empty), for
  // comparison with today's one segment (split only when the service times out).
  const oldSegments = await bench.measure(
    "5 scale",
    "incremental disk-8tib, 128 GiB listing segments (previous default)",
    "ourBackup",
    { ...large.params, segmentBytes: 128 * GiB },
    { repeatable: true },
  );
  oldSegments.ratios.timeVs1GiB = oldSegments.seconds / small.incremental.seconds;
  return { disks: [small, large], changedBytes: small.changed, oldSegments };
}

export async function runPlanning(bench: Bench): Promise<Measurement> {
  const size = 8 * TiB;
  const ranges = fragmentedRanges(bench.config.seed + 7, bench.config.planningRanges, size);
  const responder = await startFragmentedResponder(ranges, size);
  try {
    const m = await bench.measure(
      "5 scale",
      `plan a diff of ${ranges.length} fragmented ranges (8 TiB)`,
      "planFragmentedDiff",
      {
        responderUrl: responder.url,
        sizeBytes: size,
      },
    );
    if (m.details.ranges !== ranges.length)
      throw new Error(`planner saw ${m.details.ranges} of ${ranges.length} ranges`);
    return m;
  } finally {
    await responder.stop();
  }
}

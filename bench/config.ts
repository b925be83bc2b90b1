// Benchmark sizes and switches: defaults fit a fresh clone on 2 cores in < 15 minutes; `--quick` or
// BENCH_SCALE=<factor> shrinks the data sizes (counts of ranges shrink with them), `--only` picks scenarios.
import { parseArgs } from "node:util";
import {
  AZURE_PROFILE,
  parseThrottleSpec,
  THROTTLE_ENV,
  type ThrottleProfile,
} from "../local/emulator/throttle";

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;
export const TiB = 1024 * GiB;

export interface BenchConfig {
  scale: number;
  seed: number;
  /** Allocated bytes of the main disk (U) and its provisioned size (P). */
  allocatedBytes: number;
  provisionedBytes: number;
  /** Allocation is laid out in extents of this size at seeded positions. */
  extentBytes: number;
  /** Bytes copied per concurrency level of the ceiling sweep. */
  ceilingBytes: number;
  sweep: number[];
  changeFractions: number[];
  /** The naive incremental script runs at these fractions only (it is slow by design). */
  naiveFractions: number[];
  /** Scale scenario: allocated and changed bytes on the 1 GiB and 8 TiB disks. */
  scaleAllocatedBytes: number;
  scaleChangedBytes: number;
  /** Allocated bytes of the disk backed up and restored through the app (scenarios 6 and 7). */
  appAllocatedBytes: number;
  /** Ranges in the synthetic fragmented diff of the planning scenario. */
  planningRanges: number;
  /** Provisioned sizes of the disks a revert is measured on (scenario 12). */
  revertDiskBytes: number[];
  /** Disks in one run through the local runtime (scenario 13), their allocation and change. */
  manyDisks: number;
  manyAllocatedBytes: number;
  manyChangedBytes: number;
  /** The Azure-shaped profile of scenario 11 and the profiled reruns (EMULATOR_THROTTLE or --throttle). */
  throttle: ThrottleProfile;
  only: Set<string> | undefined;
  keepData: boolean;
}

function alignDown(value: number, unit: number): number {
  return Math.max(unit, Math.floor(value / unit) * unit);
}

export function loadConfig(argv: string[] = process.argv.slice(2)): BenchConfig {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean", default: false },
      scale: { type: "string" },
      seed: { type: "string" },
      only: { type: "string" },
      "keep-data": { type: "boolean", default: false },
      render: { type: "boolean", default: false },
      throttle: { type: "string" },
      merge: { type: "boolean", default: false },
    },
  });
  const spec = values.throttle ?? process.env[THROTTLE_ENV] ?? "azure";
  let throttle: ThrottleProfile | undefined;
  try {
    throttle = parseThrottleSpec(spec);
  } catch (error) {
    throw new Error(
      `--throttle / ${THROTTLE_ENV}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const scale = Number(values.scale ?? process.env.BENCH_SCALE ?? (values.quick ? "0.125" : "1"));
  if (!(scale > 0 && scale <= 4)) throw new Error(`BENCH_SCALE must be in (0, 4], got ${scale}`);
  const seed = Number(values.seed ?? process.env.BENCH_SEED ?? "20261122");
  return {
    scale,
    seed,
    allocatedBytes: alignDown(256 * MiB * scale, 16 * MiB),
    provisionedBytes: 4 * GiB,
    extentBytes: 16 * MiB,
    ceilingBytes: alignDown(128 * MiB * scale, 4 * MiB),
    sweep: [1, 2, 4, 8, 16],
    changeFractions: [0.001, 0.01, 0.1],
    naiveFractions: [0.001, 0.01],
    scaleAllocatedBytes: alignDown(64 * MiB * scale, 4 * MiB),
    scaleChangedBytes: alignDown(16 * MiB * scale, 64 * 1024),
    appAllocatedBytes: alignDown(128 * MiB * scale, 4 * MiB),
    planningRanges: Math.max(1000, Math.round(100_000 * Math.min(1, scale))),
    revertDiskBytes: [GiB, 64 * GiB],
    manyDisks: 100,
    manyAllocatedBytes: MiB,
    manyChangedBytes: alignDown(0.01 * GiB * scale, 256 * 1024),
    throttle: throttle ?? AZURE_PROFILE,
    only: values.only ? new Set(values.only.split(",").map((s) => s.trim())) : undefined,
    keepData: values["keep-data"] ?? false,
  };
}

export function wants(config: BenchConfig, scenario: string): boolean {
  return config.only === undefined || config.only.has(scenario);
}

// The benchmark's shared state on the driver side: the emulator, its endpoints and control client, the
// data pool, and `measure`, which runs one task in a child process between two reads of the emulator's
// request counters and records the outcome.
import type { PageBlobClient } from "@azure/storage-blob";
import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import { EmulatorControl, type EmulatorStats } from "../local/emulator/control";
import type { RunningEmulator, ThrottleProfile } from "../local/emulator/index";
import { type ByteRange, MAX_PUT_PAGE_BYTES, splitRanges } from "../src/ranges";
import { type ChildOutcome, runInChild } from "./child";
import { type BenchConfig, MiB } from "./config";
import type { Endpoints } from "./protocol";
import type { DataPool } from "./random";

export const SOURCE_ACCOUNT = "devstoreaccount1";
export const BACKUP_ACCOUNT = "devbackupaccount";

export interface Measurement {
  scenario: string;
  label: string;
  task: string;
  seconds: number;
  /** Payload bytes written to the destination. */
  bytes: number;
  mibps: number;
  /** Emulator request counts by operation kind (non-zero only), both accounts. */
  requests: Record<string, number>;
  /** Payload bytes by direction as the emulator saw them. */
  bytesWritten: number;
  bytesRead: number;
  peakRssMiB: number;
  cpuSeconds: number;
  /** Under the Azure-shaped profile: requests it admitted, and those it answered 503 (the app provoked). */
  throttle?: { profile: string; admitted: number; serverBusy: number; byReason: Record<string, number> };
  details: Record<string, number | string>;
  ratios: Record<string, number>;
}

/** One task to measure: where it is reported, what it runs, with what. */
export interface TaskSpec {
  scenario: string;
  label: string;
  task: string;
  params: Record<string, unknown>;
}

/** Runs of a task, each right after a run of its reference (Bench.measureInTurns). */
export interface InTurns {
  measured: Measurement;
  reference: Measurement;
  /** The median run of the second reference, when one was given. */
  also?: Measurement;
  rounds: { measured: Measurement; reference: Measurement; also?: Measurement }[];
}

export class Bench {
  readonly endpoints: Endpoints;
  readonly control: EmulatorControl;
  readonly results: Measurement[] = [];
  readonly notes: string[] = [];
  private readonly services = new Map<string, BlobServiceClient>();

  constructor(
    readonly config: BenchConfig,
    public emulator: RunningEmulator,
    readonly pool: DataPool,
    readonly log: (line: string) => void,
  ) {
    const blob: Record<string, string> = {};
    const accountKeys: Record<string, string> = {};
    for (const account of emulator.accounts) {
      blob[account.name] = emulator.blobEndpoint(account.name);
      accountKeys[account.name] = account.key;
    }
    this.endpoints = { blob, accountKeys };
    this.control = new EmulatorControl(`http://${emulator.host}:${emulator.blobPort}`);
  }

  /**
   * Swaps in a fresh emulator on the same ports (its data in a new folder): each heavy scenario starts
   * from an empty emulator, as the service does not slow down with what earlier scenarios stored, while
   * this emulator's metadata (held in memory, checkpointed whole now and then) grows with what is stored.
   */
  async freshEmulator(start: (ports: { blobPort: number; tablePort: number }) => Promise<RunningEmulator>) {
    const { blobPort, tablePort } = this.emulator;
    await this.emulator.stop();
    this.services.clear();
    this.emulator = await start({ blobPort, tablePort });
  }

  private service(account: string): BlobServiceClient {
    let service = this.services.get(account);
    if (service === undefined) {
      const key = this.endpoints.accountKeys[account] ?? "";
      service = new BlobServiceClient(
        this.emulator.blobEndpoint(account),
        new StorageSharedKeyCredential(account, key),
        {
          keepAliveOptions: { enable: true },
        },
      );
      this.services.set(account, service);
    }
    return service;
  }

  pageBlob(account: string, container: string, blob: string): PageBlobClient {
    return this.service(account).getContainerClient(container).getPageBlobClient(blob);
  }

  async createContainer(account: string, container: string): Promise<void> {
    await this.service(account).getContainerClient(container).createIfNotExists();
  }

  /** Writes the ranges (split at 4 MiB) with bodies from the data pool. */
  async writeRanges(blob: PageBlobClient, ranges: readonly ByteRange[], concurrency = 8): Promise<void> {
    const pieces = splitRanges(ranges, MAX_PUT_PAGE_BYTES);
    let next = 0;
    const lanes = Array.from({ length: Math.min(concurrency, pieces.length) }, async () => {
      while (next < pieces.length) {
        const piece = pieces[next++]!;
        await blob.uploadPages(this.pool.take(piece.length), piece.offset, piece.length);
      }
    });
    await Promise.all(lanes);
  }

  /**
   * Runs one task in a fresh child process and records it with the emulator's counters. A repeatable
   * (idempotent) task that took under SHORT_SECONDS runs three times, or `runs` times when given, and the
   * median run is kept, since short figures on a shared machine are mostly noise.
   */
  async measure(
    scenario: string,
    label: string,
    task: string,
    params: Record<string, unknown>,
    options: { repeatable?: boolean; runs?: number } = {},
  ): Promise<Measurement> {
    const runs = [await this.once(scenario, label, task, params)];
    const wanted = options.runs ?? (options.repeatable && runs[0]!.seconds < SHORT_SECONDS ? 3 : 1);
    while (runs.length < wanted) runs.push(await this.once(scenario, label, task, params));
    return this.record(runs);
  }

  /**
   * Runs `reference` (then `also`, if given) and then `measured`, `rounds` times in turns (all idempotent).
   * The emulator's rate swings from one run to the next on a small machine, and each scenario's stored data
   * changes it too, so a round compares runs that met the emulator in the same state. Records the median
   * run of each.
   */
  async measureInTurns(
    measured: TaskSpec,
    reference: TaskSpec,
    rounds: number,
    also?: TaskSpec,
  ): Promise<InTurns> {
    const pairs: InTurns["rounds"] = [];
    const run = (spec: TaskSpec) => this.once(spec.scenario, spec.label, spec.task, spec.params);
    for (let round = 0; round < rounds; round++) {
      const ref = await run(reference);
      const second = also ? await run(also) : undefined;
      pairs.push({ reference: ref, ...(second ? { also: second } : {}), measured: await run(measured) });
    }
    const referenceMedian = this.record(pairs.map((p) => p.reference));
    const seconds = pairs.flatMap((p) => (p.also ? [p.also] : []));
    const alsoMedian = seconds.length > 0 ? this.record(seconds) : undefined;
    return {
      measured: this.record(pairs.map((p) => p.measured)),
      reference: referenceMedian,
      ...(alsoMedian ? { also: alsoMedian } : {}),
      rounds: pairs,
    };
  }

  /** Keeps the median of runs of one task (by time), noting every run's time when there are several. */
  private record(runs: Measurement[]): Measurement {
    const sorted = [...runs].sort((a, b) => a.seconds - b.seconds);
    const m = sorted[Math.floor(sorted.length / 2)]!;
    if (sorted.length > 1) m.details.runs = sorted.map((r) => r.seconds.toFixed(3)).join(" ");
    this.results.push(m);
    this.log(
      `  ${m.scenario.padEnd(12)} ${m.label.padEnd(40)} ${m.seconds.toFixed(2).padStart(7)} s ` +
        `${m.mibps.toFixed(1).padStart(7)} MiB/s  rss ${m.peakRssMiB.toFixed(0)} MiB`,
    );
    return m;
  }

  private async once(scenario: string, label: string, task: string, params: Record<string, unknown>) {
    await this.control.resetStats();
    const saves = savesOf(this.emulator);
    const outcome: ChildOutcome = await runInChild(task, this.endpoints, params);
    const stats = await this.control.getStats();
    const m = toMeasurement(scenario, label, task, outcome, stats);
    // What the emulator's durable saves cost meanwhile (its thread serializes its metadata on each).
    const after = savesOf(this.emulator);
    m.details.emulatorSaves = after.commits - saves.commits;
    m.details.emulatorSaveSeconds = Number(((after.ms - saves.ms) / 1000).toFixed(2));
    const throttle = await this.control.getThrottle();
    if (throttle.profile !== null) {
      const { admitted, serverBusy, byReason } = throttle.counts;
      m.throttle = { profile: JSON.stringify(throttle.profile), admitted, serverBusy, byReason };
    }
    return m;
  }

  /**
   * Runs `work` under the Azure-shaped profile (fresh buckets), then switches it off again. Measurements
   * taken meanwhile record what the profile admitted and refused.
   */
  async underProfile<T>(work: () => Promise<T>): Promise<T> {
    await this.control.setThrottle(this.profile);
    try {
      return await work();
    } finally {
      await this.control.setThrottle("off");
    }
  }

  /** The Azure-shaped profile the bench measures under (EMULATOR_THROTTLE or --throttle; default azure). */
  get profile(): ThrottleProfile {
    return this.config.throttle;
  }
}

const SHORT_SECONDS = 2;

/** The emulator's group commits so far, and the ms they took (serializing and writing), both stores. */
function savesOf(emulator: RunningEmulator): { commits: number; ms: number } {
  const all = emulator.commitStats ? [emulator.commitStats.blob, emulator.commitStats.table] : [];
  return {
    commits: all.reduce((sum, s) => sum + s.commits, 0),
    ms: all.reduce((sum, s) => sum + s.serializeMs + s.writeMs, 0),
  };
}

function toMeasurement(
  scenario: string,
  label: string,
  task: string,
  outcome: ChildOutcome,
  stats: EmulatorStats,
): Measurement {
  const requests: Record<string, number> = {};
  for (const [kind, s] of Object.entries(stats.operations)) if (s.requests > 0) requests[kind] = s.requests;
  const op = (kind: string) => stats.operations[kind] ?? { requests: 0, bytesIn: 0, bytesOut: 0 };
  return {
    scenario,
    label,
    task,
    seconds: outcome.seconds,
    bytes: outcome.bytes,
    mibps: outcome.seconds > 0 ? outcome.bytes / MiB / outcome.seconds : 0,
    requests,
    bytesWritten: op("putPage").bytesIn + op("putPageFromUrl").bytesIn,
    bytesRead: op("getBlob").bytesOut,
    peakRssMiB: outcome.peakRssMiB,
    cpuSeconds: outcome.cpuSeconds,
    details: outcome.details,
    ratios: {},
  };
}

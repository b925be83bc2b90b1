// The data model of one benchmark run: what the scenarios measured and the facts of the machine and
// commit it ran on. Owned here, so the report modules and the command line both depend on it.
import type { ThrottleProfile } from "../local/emulator/throttle";
import type { BackupSummary } from "./scenarios/backup";
import type { Ceiling } from "./scenarios/ceiling";
import type { DurabilitySummary } from "./scenarios/durability";
import type { LifecycleSummary } from "./scenarios/lifecycle";
import type { ManagedSummary } from "./scenarios/managed";
import type { ManySummary } from "./scenarios/many";
import type { RevertSummary } from "./scenarios/revert";
import type { ScaleSummary } from "./scenarios/scale";

export interface BenchRun {
  ceiling?: Ceiling;
  backups?: BackupSummary;
  scale?: ScaleSummary;
  durability?: DurabilitySummary;
  revert?: RevertSummary;
  many?: ManySummary;
  /** The Azure-shaped profile scenario 11 and the profiled reruns measured under. */
  throttle?: ThrottleProfile;
  lifecycle?: LifecycleSummary;
  managed?: ManagedSummary;
  wallSeconds: number;
}

export interface RunMeta {
  date: string;
  commit: string;
  node: string;
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  scale: number;
  seed: number;
  loadAverageStart: number;
  loadAverageEnd: number;
  /** Share of the machine's CPU time stolen by the hypervisor during the run (Linux; bench/steal.ts). */
  stolenShare?: number | undefined;
  wallSeconds: number;
  /** Free text from BENCH_NOTE, e.g. what else ran on the machine. */
  note?: string | undefined;
  /** Node flags of the driver, which hosts the emulator (bench/hostFlags.ts); absent in older runs. */
  hostNodeFlags?: string[] | undefined;
}

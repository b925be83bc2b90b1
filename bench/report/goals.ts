// The goals of issue 7, judged on one run's figures: each is met, missed or not measured, with the
// figure it rests on.
import type { Measurement } from "../bench";
import type { BenchRun } from "../model";

export interface Goal {
  goal: string;
  target: string;
  measured: string;
  status: "met" | "missed" | "not measured";
}

function status(ok: boolean | undefined): Goal["status"] {
  return ok === undefined ? "not measured" : ok ? "met" : "missed";
}

/** Tasks that run our code (the process whose memory the goal is about). */
export const COPYING_TASKS = [
  "ourBackup",
  "planFragmentedDiff",
  "runtimeBackup",
  "appBackupDirect",
  "appRestoreDirect",
];

function ours(results: Measurement[]): Measurement[] {
  return results.filter((m) => COPYING_TASKS.includes(m.task));
}

/** Least-squares fit of seconds against changed MiB: fixed cost (intercept) and cost per MiB. */
export function linearFit(points: { x: number; y: number }[]): { intercept: number; slope: number } {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  const sxy = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  const slope = sxx > 0 ? sxy / sxx : 0;
  return { intercept: my - slope * mx, slope };
}

export function evaluateGoals(run: BenchRun, results: Measurement[]): Goal[] {
  const goals: Goal[] = [];
  const first = run.backups?.first;
  const restore = results.find((m) => m.task === "appRestoreDirect");
  const ceiling = run.ceiling?.putPageFromUrl;
  const firstRatio = first?.ratios.ofCeiling;
  const restoreRatio = restore?.ratios.ofCeiling;
  goals.push({
    goal: "Backup throughput ≥ 80% of the ceiling",
    target: ceiling ? `≥ ${(0.8 * ceiling.mibps).toFixed(0)} MiB/s` : "≥ 80%",
    measured:
      firstRatio === undefined ? "—" : `${first?.mibps.toFixed(0)} MiB/s = ${(firstRatio * 100).toFixed(0)}%`,
    status: status(firstRatio === undefined ? undefined : firstRatio >= 0.8),
  });
  goals.push({
    goal: "Restore throughput ≥ 80% of the ceiling",
    target: "≥ 80%",
    measured:
      restoreRatio === undefined
        ? "—"
        : `${restore?.mibps.toFixed(0)} MiB/s = ${(restoreRatio * 100).toFixed(0)}%`,
    status: status(restoreRatio === undefined ? undefined : restoreRatio >= 0.8),
  });
  const writeRatios = results
    .map((m) => m.ratios.writesVsOptimum)
    .filter((r): r is number => r !== undefined);
  const worst = writeRatios.length > 0 ? Math.max(...writeRatios) : undefined;
  goals.push({
    goal: "Write requests ≤ 1.05 × optimum",
    target: "≤ 1.05×",
    measured: worst === undefined ? "—" : `worst ${worst.toFixed(3)}× over ${writeRatios.length} backups`,
    status: status(worst === undefined ? undefined : worst <= 1.05),
  });
  const rss = ours(results).map((m) => m.peakRssMiB);
  const peak = rss.length > 0 ? Math.max(...rss) : undefined;
  goals.push({
    goal: "Peak RSS of the copying process < 300 MiB",
    target: "< 300 MiB",
    measured: peak === undefined ? "—" : `max ${peak.toFixed(0)} MiB over ${rss.length} runs of our code`,
    status: status(peak === undefined ? undefined : peak < 300),
  });
  goals.push(proportionalityGoal(run));
  const window = run.backups?.windows.find((w) => w.pattern === "rand4K" && w.fraction === 0.01);
  const speedup = window?.ours.ratios.speedupVsNaive;
  goals.push({
    goal: "≥ 5× faster than the naive incremental script at 1% random 4 KiB",
    target: "≥ 5×",
    measured: speedup === undefined ? "—" : `${speedup.toFixed(2)}× (emulator, loopback)`,
    status: status(speedup === undefined ? undefined : speedup >= 5),
  });
  const slow = window?.latency;
  if (slow) {
    const s = slow.naive.seconds / slow.ours.seconds;
    goals.push({
      goal: `… same, with ${slow.latencyMs} ms injected per request (network-like)`,
      target: "≥ 5×",
      measured: `${s.toFixed(2)}×`,
      status: status(s >= 5),
    });
  }
  return goals;
}

function proportionalityGoal(run: BenchRun): Goal {
  const large = run.scale?.disks[1]?.incremental.ratios.timeVs1GiB;
  const oneSegment = run.scale?.oneSegment.ratios.timeVs1GiB;
  const windows = run.backups?.windows ?? [];
  const fixed = ["rand4K", "rand64K", "seq1M"].map((pattern) => {
    const points = windows
      .filter((w) => w.pattern === pattern)
      .map((w) => ({ x: w.changedBytes / 2 ** 20, y: w.ours.seconds }));
    return points.length >= 2 ? linearFit(points).intercept : undefined;
  });
  const known = fixed.filter((f): f is number => f !== undefined);
  const worstFixed = known.length > 0 ? Math.max(...known) : undefined;
  const measured = [
    large === undefined ? undefined : `8 TiB / 1 GiB time ${large.toFixed(2)}×`,
    oneSegment === undefined ? undefined : `${oneSegment.toFixed(2)}× listed as one segment`,
    worstFixed === undefined ? undefined : `fixed cost per window ≤ ${worstFixed.toFixed(2)} s`,
  ].filter((s) => s !== undefined);
  const ok = large === undefined || worstFixed === undefined ? undefined : large <= 1.25 && worstFixed <= 0.5;
  return {
    goal: "Incremental time ∝ changed bytes (not provisioned size)",
    target: "8 TiB/1 GiB ≤ 1.25×, fixed cost ≤ 0.5 s",
    measured: measured.length > 0 ? measured.join("; ") : "—",
    status: status(ok),
  };
}

// The goals of issues 7 and 16, judged on one run's figures: each is met, missed or not measured, with the
// figure it rests on.
import type { Measurement } from "../bench";
import type { BenchRun } from "../model";
import type { RevertCase } from "../scenarios/revert";

export interface Goal {
  goal: string;
  target: string;
  measured: string;
  status: "met" | "missed" | "not measured";
}

function status(ok: boolean | undefined): Goal["status"] {
  return ok === undefined ? "not measured" : ok ? "met" : "missed";
}

const pct = (ratio: number | undefined) => (ratio === undefined ? "—" : `${(ratio * 100).toFixed(0)}%`);
const x = (ratio: number | undefined) => (ratio === undefined ? "—" : `${ratio.toFixed(2)}×`);

/**
 * The same figure against a plain copy run in turns with it on the same emulator state (median of the
 * rounds), beside the one against the ceiling of scenario 1; the goal is judged on the latter, as set.
 */
function inTurns(ratio: number | undefined, kind: "share" | "times"): string {
  if (ratio === undefined) return "";
  return `; ${kind === "share" ? `${pct(ratio)} of` : x(ratio)} a plain copy in turns with it`;
}

/** What copying and then reading both sides back takes done plainly, in the same rounds. */
function copyThenReadText(ratio: number | undefined): string {
  return ratio === undefined ? "" : ` (that copy followed by a plain read of both sides: ${x(ratio)})`;
}

/** Tasks that run our code (the process whose memory the goal is about). */
export const COPYING_TASKS = [
  "ourBackup",
  "engineManyDisks",
  "planFragmentedDiff",
  "runtimeBackup",
  "appBackupDirect",
  "appRestoreDirect",
];

function ours(results: Measurement[]): Measurement[] {
  return results.filter((m) => COPYING_TASKS.includes(m.task));
}

/** A window's cost model: a fixed part, plus a part per write request, plus a part per MiB written. */
export interface CostFit {
  fixedSeconds: number;
  secondsPerRequest: number;
  secondsPerMiB: number;
}

/**
 * Least-squares fit of seconds = fixed + a × requests + b × MiB over the windows. Time follows requests as
 * much as bytes (bridged gaps trade one for the other), so a fit on bytes alone puts the request-bound
 * windows' cost into its intercept. Undefined when the points do not determine the three parts.
 */
export function costFit(points: { requests: number; mib: number; seconds: number }[]): CostFit | undefined {
  if (points.length < 3) return undefined;
  // Normal equations (XᵀX) β = Xᵀy for the rows [1, requests, mib], solved by Gaussian elimination.
  const m = [0, 1, 2].map(() => [0, 0, 0, 0]);
  for (const p of points) {
    const row = [1, p.requests, p.mib];
    for (let r = 0; r < 3; r++) {
      for (let c = 0; c < 3; c++) m[r]![c]! += row[r]! * row[c]!;
      m[r]![3]! += row[r]! * p.seconds;
    }
  }
  for (let i = 0; i < 3; i++) {
    let pivot = i;
    for (let k = i + 1; k < 3; k++) if (Math.abs(m[k]![i]!) > Math.abs(m[pivot]![i]!)) pivot = k;
    [m[i], m[pivot]] = [m[pivot]!, m[i]!];
    const lead = m[i]![i]!;
    if (Math.abs(lead) < 1e-12) return undefined;
    for (let k = 0; k < 3; k++) {
      if (k === i) continue;
      const factor = m[k]![i]! / lead;
      for (let c = i; c < 4; c++) m[k]![c]! -= factor * m[i]![c]!;
    }
  }
  const solve = (i: number) => m[i]![3]! / m[i]![i]!;
  return { fixedSeconds: solve(0), secondsPerRequest: solve(1), secondsPerMiB: solve(2) };
}

/** Share of a measurement's requests the profile answered 503 (undefined when not profiled). */
export function busyShare(m: Measurement | undefined): number | undefined {
  if (!m?.throttle) return undefined;
  const total = m.throttle.admitted + m.throttle.serverBusy;
  return total > 0 ? m.throttle.serverBusy / total : 0;
}

function busyText(m: Measurement | undefined): string {
  const share = busyShare(m);
  return share === undefined
    ? ""
    : `, ${m?.throttle?.serverBusy ?? 0} × 503 = ${(share * 100).toFixed(2)}% of requests`;
}

function azureGoals(run: BenchRun, results: Measurement[]): Goal[] {
  const first = run.backups?.azureFirst;
  const restore = results.find((m) => m.task === "appRestoreDirect" && m.scenario === "11 azure");
  const row = (what: string, m: Measurement | undefined, share: number | undefined): Goal => {
    const busy = busyShare(m);
    return {
      goal: `Azure-shaped: ${what} ≥ 90% of the per-blob target, < 1% of requests 503`,
      target: "≥ 90%, < 1%",
      measured: share === undefined ? "—" : `${pct(share)} of the target${busyText(m)}`,
      status: status(share === undefined || busy === undefined ? undefined : share >= 0.9 && busy < 0.01),
    };
  };
  return [
    row("first backup", first, first?.ratios.ofTarget),
    row("restore, target written (usable)", restore, restore?.ratios.usableOfTarget),
  ];
}

function restoreGoals(results: Measurement[]): Goal[] {
  const restore = results.find((m) => m.task === "appRestoreDirect" && m.scenario === "7 restore");
  const usable = restore?.ratios.usableOfCeiling;
  const total = restore?.ratios.timeVsOneCopy;
  const compared = restore ? Number(restore.details.bytesCompared) : undefined;
  return [
    {
      goal: "Restore: the restored disk usable at ≥ 80% of the Put Page From URL ceiling",
      target: "≥ 80%",
      measured:
        usable === undefined
          ? "—"
          : `${pct(usable)} (target written in ${Number(restore?.details.usableSeconds).toFixed(2)} s)` +
            inTurns(restore?.ratios.usableOfSameStateCopy, "share"),
      status: status(usable === undefined ? undefined : usable >= 0.8),
    },
    {
      goal: "Restore: whole restore, verification included, ≤ 2× one copy at the ceiling",
      target: "≤ 2×",
      measured:
        total === undefined
          ? "—"
          : `${x(total)} (${restore?.seconds.toFixed(2)} s)${inTurns(restore?.ratios.timeVsSameStateCopy, "times")}` +
            copyThenReadText(restore?.ratios.copyThenReadInTurns),
      status: status(total === undefined ? undefined : total <= 2),
    },
    {
      goal: "Restore: verification complete (every allocated byte compared)",
      target: "bytes compared ≥ allocated",
      measured:
        compared === undefined
          ? "—"
          : `${(compared / 2 ** 20).toFixed(1)} of ${(restore!.bytes / 2 ** 20).toFixed(1)} MiB`,
      status: status(compared === undefined ? undefined : compared >= (restore?.bytes ?? 0)),
    },
  ];
}

/** The same rounds under the Azure-shaped profile, shown beside the loopback ratios the goal judges. */
function azureReverts(cases: RevertCase[]): string {
  const azure = cases.filter((c) => c.azure?.revert.ratios.timeVsBackup !== undefined);
  if (azure.length === 0) return "";
  return `; Azure-shaped: ${azure.map((c) => `${c.label} ${x(c.azure?.revert.ratios.timeVsBackup)}`).join(", ")}`;
}

function revertGoal(run: BenchRun): Goal {
  const cases = run.revert?.cases ?? [];
  const ratios = cases.map((c) => c.revert.ratios.timeVsBackup);
  const known = ratios.every((r) => r !== undefined) && ratios.length > 0;
  const byDiff = cases.every((c) => c.revert.details.revert === 1);
  return {
    goal: "Revert by diff: a revert after a 1% change ≤ 1.5× the incremental backup of that change",
    target: "≤ 1.5× at 1 GiB and 64 GiB",
    measured: known
      ? cases.map((c) => `${c.label}: ${x(c.revert.ratios.timeVsBackup)}`).join("; ") +
        (byDiff ? "" : " (not by diff)") +
        azureReverts(cases)
      : "—",
    status: status(known ? byDiff && ratios.every((r) => (r ?? Infinity) <= 1.5) : undefined),
  };
}

function scatteredGoals(run: BenchRun): Goal[] {
  const window = run.backups?.windows.find((w) => w.pattern === "rand4K" && w.fraction === 0.01);
  const loopback = window?.ours.ratios.speedupVsNaive;
  const azure = window?.azure?.ours.ratios.speedupVsNaive;
  return [
    {
      goal: "≥ 5× faster than the naive incremental script at 1% random 4 KiB, Azure-shaped profile",
      target: "≥ 5×",
      measured: azure === undefined ? "—" : `${x(azure)}${busyText(window?.azure?.ours)}`,
      status: status(azure === undefined ? undefined : azure >= 5),
    },
    {
      goal: "… same on loopback (issue 7; no latency, no targets)",
      target: "≥ 5×",
      measured: loopback === undefined ? "—" : x(loopback),
      status: status(loopback === undefined ? undefined : loopback >= 5),
    },
  ];
}

function runEndGoal(results: Measurement[]): Goal {
  const lags = results
    .filter((m) => m.task === "runtimeBackup")
    .map((m) => Number(m.details.runEndLagSeconds))
    .filter((v) => Number.isFinite(v));
  const worst = lags.length > 0 ? Math.max(...lags) : undefined;
  return {
    goal: "A run ends when its last disk ends",
    target: "≤ 1 s after the last disk",
    measured: worst === undefined ? "—" : `worst ${worst.toFixed(2)} s over ${lags.length} runs`,
    status: status(worst === undefined ? undefined : worst <= 1),
  };
}

function manyGoals(run: BenchRun, results: Measurement[]): Goal[] {
  const many = run.many;
  const single = results.find((m) => m.task === "runtimeBackup" && m.label.startsWith("incr"));
  const ratio = many?.runtime.ratios.timeVsEngine;
  const perDisk = many?.runtime.ratios.historyEventsPerDisk;
  const singleEvents = single ? Number(single.details.historyEvents) : undefined;
  return [
    {
      goal: `Many disks: one run of ${many?.disks ?? 100} disks ≤ 1.5× the copy engine at the same concurrency`,
      target: "≤ 1.5×",
      measured:
        ratio === undefined
          ? "—"
          : `${x(ratio)} (${many?.runtime.seconds.toFixed(1)} s vs ${many?.engine.seconds.toFixed(1)} s)`,
      status: status(ratio === undefined ? undefined : ratio <= 1.5),
    },
    {
      goal: "Many disks: history per disk bounded (as a one-disk run's)",
      target: "≤ one-disk run's events",
      measured:
        perDisk === undefined
          ? "—"
          : `${perDisk.toFixed(1)} events per disk (one-disk run: ${singleEvents ?? "—"})`,
      status: status(
        perDisk === undefined || singleEvents === undefined ? undefined : perDisk <= singleEvents,
      ),
    },
    {
      goal: "Many disks: peak RSS of the runtime's process < 300 MiB",
      target: "< 300 MiB",
      measured: many ? `${many.runtime.peakRssMiB.toFixed(0)} MiB` : "—",
      status: status(many ? many.runtime.peakRssMiB < 300 : undefined),
    },
  ];
}

export function evaluateGoals(run: BenchRun, results: Measurement[]): Goal[] {
  const goals: Goal[] = [];
  const first = run.backups?.first;
  const ceiling = run.ceiling?.putPageFromUrl;
  const firstRatio = first?.ratios.ofCeiling;
  goals.push({
    goal: "Backup throughput ≥ 80% of the ceiling (loopback)",
    target: ceiling ? `≥ ${(0.8 * ceiling.mibps).toFixed(0)} MiB/s` : "≥ 80%",
    measured:
      firstRatio === undefined
        ? "—"
        : `${first?.mibps.toFixed(0)} MiB/s = ${pct(firstRatio)}${inTurns(first?.ratios.ofPlainCopyInTurns, "share")}`,
    status: status(firstRatio === undefined ? undefined : firstRatio >= 0.8),
  });
  goals.push(...azureGoals(run, results));
  goals.push(...restoreGoals(results));
  goals.push(revertGoal(run));
  goals.push(...scatteredGoals(run));
  goals.push(proportionalityGoal(run));
  goals.push(runEndGoal(results));
  goals.push(...manyGoals(run, results));
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
  return goals;
}

function proportionalityGoal(run: BenchRun): Goal {
  const large = run.scale?.disks[1]?.incremental.ratios.timeVs1GiB;
  const old = run.scale?.oldSegments.ratios.timeVs1GiB;
  const fit = costFit(
    (run.backups?.windows ?? []).map((w) => ({
      requests: Number(w.ours.details.engineRequests ?? w.ours.requests.putPageFromUrl ?? 0),
      mib: w.ours.bytes / 2 ** 20,
      seconds: w.ours.seconds,
    })),
  );
  const fixed = fit?.fixedSeconds;
  const listed = run.scale?.disks[1]?.incremental.requests.getPageRangesDiff;
  const measured = [
    large === undefined
      ? undefined
      : `8 TiB / 1 GiB time ${large.toFixed(2)}× (${listed ?? "—"} listing request(s))`,
    old === undefined ? undefined : `${old.toFixed(2)}× with the old 128 GiB segments`,
    fit === undefined
      ? undefined
      : `fixed cost per window ${fit.fixedSeconds.toFixed(2)} s (windows fitted as fixed + ` +
        `${(fit.secondsPerRequest * 1000).toFixed(1)} ms per write request + ` +
        `${(fit.secondsPerMiB * 1000).toFixed(0)} ms per MiB written)`,
  ].filter((s) => s !== undefined);
  const ok = large === undefined || fixed === undefined ? undefined : large <= 1.25 && fixed <= 0.5;
  return {
    goal: "Provisioned size does not matter: incremental time follows the change (requests, bytes), plus a fixed cost",
    target: "8 TiB/1 GiB ≤ 1.25×, fixed cost ≤ 0.5 s",
    measured: measured.length > 0 ? measured.join("; ") : "—",
    status: status(ok),
  };
}

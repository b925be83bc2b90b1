// REPORT.md: what was run, on what, the goals met or missed, the chart, per-scenario tables and the
// analysis of what limits each figure. Everything in it comes from the run's data.
import type { Measurement } from "../bench";
import { MiB } from "../config";
import { median } from "../median";
import type { BenchRun, RunMeta } from "../model";
import { PATTERN_LABELS } from "../random";
import { analysis } from "./analysis";
import { durabilitySection } from "./durability";
import type { Goal } from "./goals";
import { azureSection, manySection, restoreSection, revertSection, scatteredSection } from "./sections";
import { markdownTable, resultsMarkdown } from "./table";

function f(value: number | undefined, digits = 2): string {
  return value === undefined || !Number.isFinite(value) ? "—" : value.toFixed(digits);
}

function header(meta: RunMeta): string[] {
  return [
    "# Benchmark report",
    "",
    `Figures from one run of \`npm run bench\` (scale ${meta.scale}, seed ${meta.seed}) on ${meta.date}, ` +
      `commit \`${meta.commit}\`: ${meta.cores} × ${meta.cpuModel}, ${meta.memoryGiB} GiB RAM, Node ${meta.node}; ` +
      `wall time ${(meta.wallSeconds / 60).toFixed(1)} min.`,
    "",
    `Load average (1 min) at start / end: ${meta.loadAverageStart.toFixed(1)} / ${meta.loadAverageEnd.toFixed(1)}; ` +
      "the bench itself keeps about two processes busy (the emulator and the copying child). " +
      (meta.stolenShare === undefined
        ? ""
        : `The hypervisor took ${(meta.stolenShare * 100).toFixed(0)}% of the machine's CPU time during the run ` +
          "(steal, from /proc/stat): every rate here drops with it, and unevenly between scenarios. ") +
      (meta.note ? `**${meta.note}** ` : "") +
      "Absolute rates on a 2-core machine vary by ±30–50% between runs; the ratios measured side by side in the " +
      "same run are the figures to read.",
    "",
    "Everything runs on this machine against the project's storage emulator (Azurite 3.37 in disk mode in a " +
      "temporary folder, behind the gap-filling proxy that implements diffs and Put Page From URL; fast Put Page; " +
      "every acknowledged write saved by a group-committed redo log). Each scenario starts on a fresh, empty " +
      "emulator on the same ports, so a scenario's figures do not depend on what earlier ones stored. " +
      "The emulator runs in the driver process" +
      (meta.hostNodeFlags?.length
        ? ` (with \`${meta.hostNodeFlags.join(" ")}\`: its garbage collection stays on its own thread, as the ` +
          "service's work stays off the client's cores; the children keep V8's defaults)"
        : "") +
      "; every measured copy runs in its own child process, whose peak RSS " +
      "(VmHWM of the child's process image, from /proc: Node + SDK + the task) is reported. Request counts come from the " +
      "emulator's per-operation counters.",
    "",
  ];
}

function goalsSection(goals: Goal[]): string[] {
  const icon = (s: Goal["status"]) =>
    s === "met" ? "✅ met" : s === "missed" ? "❌ missed" : "— not measured";
  return [
    "## Goals",
    "",
    markdownTable(
      ["goal", "target", "measured", "status"],
      goals.map((g) => [g.goal, g.target, g.measured, icon(g.status)]),
    ),
    "",
  ];
}

function incrementalSection(run: BenchRun): string[] {
  const windows = run.backups?.windows ?? [];
  if (windows.length === 0) return [];
  const rows = windows.map((w) => [
    PATTERN_LABELS[w.pattern],
    `${Number((w.fraction * 100).toFixed(2))}%`,
    (w.changedBytes / MiB).toFixed(2),
    String(w.ours.requests.putPageFromUrl ?? 0),
    String(w.optimumWrites),
    f(w.ours.seconds),
    f(w.ours.ratios.timeVsFirst),
    w.naive ? f(w.naive.seconds) : "not run",
    f(w.ours.ratios.speedupVsNaive),
    f(w.ours.ratios.speedupVsNaiveFull),
  ]);
  return [
    "## Incremental windows (scenario 3) and the naive script (4b)",
    "",
    markdownTable(
      [
        "pattern",
        "change",
        "changed MiB",
        "write requests",
        "optimum",
        "time s",
        "t / first",
        "naive s",
        "× naive",
        "× full copy",
      ],
      rows,
    ),
    "",
    "Optimum = the window's written ranges, coalesced and split at 4 MiB (known from the generator, not from the diff).",
    "",
  ];
}

function scaleSection(run: BenchRun): string[] {
  const scale = run.scale;
  if (!scale) return [];
  const rows = scale.disks.map((d) => [
    d.label,
    f(d.first.seconds),
    String(d.first.requests.getPageRanges ?? 0),
    f(d.incremental.seconds),
    String(d.incremental.requests.getPageRangesDiff ?? 0),
    String(d.incremental.requests.putPageFromUrl ?? 0),
    f(d.incremental.peakRssMiB, 0),
  ]);
  const one = scale.oldSegments;
  rows.push([
    "disk-8tib, 128 GiB listing segments (previous default)",
    "",
    "",
    f(one.seconds),
    String(one.requests.getPageRangesDiff ?? 0),
    String(one.requests.putPageFromUrl ?? 0),
    f(one.peakRssMiB, 0),
  ]);
  const plan = scale.planning;
  return [
    "## Scale (scenario 5)",
    "",
    `Same allocation and the same ${(scale.changedBytes / MiB).toFixed(1)} MiB of random 64 KiB changes on both disks.`,
    "",
    markdownTable(
      [
        "disk",
        "first backup s",
        "list requests",
        "incremental s",
        "diff requests",
        "write requests",
        "peak RSS MiB",
      ],
      rows,
    ),
    "",
    ...(plan
      ? [
          `Planning a diff of **${plan.details.ranges} fragmented ranges** on an 8 TiB disk (listing through the app's ` +
            `lister and the real SDK/XML parser in ${plan.details.listRequests} paged requests, then coalesce, split at 4 MiB ` +
            `and batch): listing ${f(Number(plan.details.listSeconds))} s, planning ${f(Number(plan.details.planSeconds), 3)} s, ` +
            `${plan.details.batches} batches stored as ${(Number(plan.details.storedBatchBytes) / MiB).toFixed(1)} MiB of JSON, ` +
            `heap growth ${f(Number(plan.details.heapGrowthMiB), 1)} MiB, peak RSS ${f(plan.peakRssMiB, 0)} MiB. ` +
            "The page lists are served by a bench-local stand-in (holding 100,000 fragments in the emulator would take " +
            "100,000 separate Put Page calls, minutes of setup).",
          "",
        ]
      : []),
  ];
}

function appSection(results: Measurement[]): string[] {
  const rows = results
    .filter((m) => m.scenario === "6 orchestr")
    .map((m) => [
      m.label,
      f(m.seconds),
      (m.bytes / MiB).toFixed(1),
      String(m.details.activities ?? "—"),
      String(m.details.historyEvents ?? "—"),
      f(m.ratios.activitiesPerGiB, 0),
      f(m.ratios.historyEventsPerGiB, 0),
      f(m.ratios.timeVsEngine),
      m.details.backupDiskSeconds === undefined ? "—" : f(Number(m.details.backupDiskSeconds)),
      m.details.runEndLagSeconds === undefined ? "—" : f(Number(m.details.runEndLagSeconds)),
      f(m.peakRssMiB, 0),
    ]);
  if (rows.length === 0) return [];
  return [
    "## Orchestration overhead (scenario 6)",
    "",
    "The same disk backed up by the copy engine alone, by the app's steps in-process (begin, plan, copy batches, " +
      "complete: lineage, lease, run store) and through the local Functions runtime end to end (HTTP API, durable " +
      "replay of backupRun and backupDisk, activities; in-memory durable store). Activities and history events are " +
      "counted from both orchestrations' histories. All three start requests under the blob targets (the app's " +
      "default pacing, 95% of 60 MiB/s and 500 requests/s per blob); the run ends after its disk by the history's " +
      "timestamps (the run's last event after the disk's).",
    "",
    markdownTable(
      [
        "case",
        "time s",
        "MiB copied",
        "activities",
        "history events",
        "activities/GiB",
        "events/GiB",
        "t / engine",
        "backupDisk s",
        "run ends after disk s",
        "peak RSS MiB",
      ],
      rows,
    ),
    "",
  ];
}

function lifecycleSection(run: BenchRun): string[] {
  const life = run.lifecycle;
  if (!life) return [];
  const d = life.decision;
  const rows = [...life.ceiling, life.full, life.rolling].map((m) => [
    m.label,
    f(m.seconds),
    (m.bytes / MiB).toFixed(1),
    f(m.mibps, 1),
    life.ceiling.includes(m) ? "—" : `${f((m.ratios.ofCeiling ?? 0) * 100, 0)}%`,
    String(m.requests.getBlob ?? 0),
    f(m.peakRssMiB, 0),
  ]);
  return [
    "## Restore point lifecycle (scenario 9)",
    "",
    `Retention decision (\`src/retention/decide.ts\`, policy \`${d.details.policy}\`) over ` +
      `**${Number(d.details.points).toLocaleString("en")} restore points** (one every 15 minutes, 2% failed): ` +
      `**${f(d.seconds * 1000, 0)} ms** (median of 5: ${d.details.runs} s; ${Number(d.details.pointsPerSecond).toLocaleString("en")} points/s), ` +
      `${d.details.kept} kept.`,
    "",
    "Verification compares the backup snapshot with the source snapshot: every chunk is read from both and " +
      "hashed (SHA-256). MiB/s counts bytes compared (each read twice); the ceiling is a minimal loop reading the " +
      "same bytes from both snapshots in 4 MiB pieces without hashing, on the same emulator, over a sweep of pairs " +
      "in flight (a full verification runs 4 parts at once, 4 chunks each: 16 pairs).",
    "",
    markdownTable(
      ["case", "time s", "MiB compared", "MiB/s", "of ceiling", "read requests", "peak RSS MiB"],
      rows,
    ),
    "",
  ];
}

/** The managed-disk rounds (scenario 10): the same content and change as a page blob and as a managed disk. */
function managedSection(run: BenchRun): string[] {
  const md = run.managed;
  if (!md) return [];
  const rounds = [md.first, ...md.incrementals];
  const row = (m: Measurement, arm?: number, polls?: number, ratio?: number) => [
    m.label,
    f(m.seconds),
    f(Number(m.details.beginSeconds ?? 0)),
    f(Number(m.details.planSeconds ?? 0)),
    f(Number(m.details.copySeconds ?? 0)),
    f(Number(m.details.completeSeconds ?? 0)),
    (Number(m.details.changedBytes ?? 0) / MiB).toFixed(2),
    arm === undefined ? "—" : String(arm),
    polls === undefined ? "—" : String(polls),
    ratio === undefined ? "—" : `${f(ratio)}×`,
  ];
  const rows = rounds.flatMap((r) => [
    row(r.pageBlob),
    row(r.managed, Number(r.managed.details.armRequests), Number(r.managed.details.armPolls), r.ratio),
  ]);
  const ratios = md.incrementals.map((r) => r.ratio).sort((a, b) => a - b);
  const middleRatio = median(ratios);
  const phase = (m: Measurement, name: string) => Number(m.details[`${name}Seconds`] ?? 0);
  const armBound = (m: Measurement) => phase(m, "begin") + phase(m, "complete");
  const armExtra = median(md.incrementals.map((r) => armBound(r.managed) - armBound(r.pageBlob)));
  const planExtra = median(md.incrementals.map((r) => phase(r.managed, "plan") - phase(r.pageBlob, "plan")));
  const copyRatio = median(
    md.incrementals.map((r) => phase(r.managed, "copy") / Math.max(1e-9, phase(r.pageBlob, "copy"))),
  );
  const copyExtra = median(md.incrementals.map((r) => phase(r.managed, "copy") - phase(r.pageBlob, "copy")));
  const mid = md.incrementals.find((r) => r.ratio === middleRatio) ?? md.incrementals[0];
  const ops = mid
    ? Object.entries(mid.arm)
        .sort((a, b) => b[1] - a[1])
        .map(([op, n]) => `${op} ${n}`)
        .join(", ")
    : "";
  const count = (pattern: RegExp) =>
    mid
      ? Object.entries(mid.arm)
          .filter(([op]) => pattern.test(op))
          .reduce((a, [, n]) => a + n, 0)
      : 0;
  const lroCount = count(/createOrUpdate|GetAccess|\.delete/);
  const polls = count(/diskOperations/);
  return [
    "## Managed disks (scenario 10)",
    "",
    "The same content and the same changes (10% of the allocated extents rewritten in random 64 KiB pieces, " +
      `${(md.changedBytes / MiB).toFixed(1)} MiB per round) backed up as a page blob and as a managed disk through the ` +
      "local Resource Manager stand-in, both by the app's steps in-process (the backupDisk procedure and its step table), " +
      "one after the other in each round. Phase times come from the step callbacks; Resource Manager requests from the " +
      "stand-in's counters.",
    "",
    markdownTable(
      [
        "case",
        "time s",
        "begin s",
        "plan s",
        "copy s",
        "complete s",
        "changed MiB",
        "ARM requests",
        "ARM polls",
        "× page blob",
      ],
      rows,
    ),
    "",
    `**Incremental: a managed disk takes ${f(middleRatio)}× the page blob's time** (median of ${ratios.length} rounds: ` +
      `${ratios.map((r) => f(r)).join(", ")}). Where the extra time goes (medians over the rounds): the phases that talk ` +
      "to Resource Manager, begin (read the disk, take the snapshot, check the diff base, grant two SAS) and complete " +
      `(revoke both SAS, list the app's snapshots, delete the older one), ${f(armExtra)} s; plan (the diff through the SAS ` +
      "with `x-ms-previous-snapshot-url` in 16 GiB segments instead of one paged listing), " +
      `${f(planExtra)} s; copy, the same Put Page From URL requests, ${f(copyExtra)} s (${f(copyRatio)}× the page blob's): ` +
      "here every request's source is read through a SAS bound to a stored access policy, which the emulator looks up " +
      "per request (the likely cost, not measured separately; in Azure the snapshot's SAS is served by the disk's own " +
      "storage, unmeasured). Resource Manager " +
      `requests per incremental: ${ops}.`,
    "",
    `Locally each of the ${lroCount} long-running operations of an incremental (the snapshot, ${count(/beginGetAccess/)} ` +
      `grants, ${count(/endGetAccess/)} revokes, ${count(/\.delete/)} delete) ends at its first poll, ${md.pollIntervalMs} ms ` +
      `after it starts (${polls} status and result polls in all): polling is most of the Resource Manager time here. In ` +
      "Azure the service answers each with `Retry-After` (the SDK's default is 2 s when it does not), so a managed-disk " +
      `backup carries roughly ${lroCount} × 2 s ≈ ${lroCount * 2} s of waiting that no bandwidth removes, plus the network ` +
      "round trips of the other requests (and the rolling verification's own grant and revoke, off here: " +
      "`VERIFY_PERCENT=0`): small next to copying gigabytes, dominant for a disk that changed little. The stand-in " +
      "answers at once; its latency is not Azure's.",
    "",
  ];
}

export function reportMarkdown(
  meta: RunMeta,
  run: BenchRun,
  results: Measurement[],
  goals: Goal[],
  notes: string[],
) {
  const c = run.ceiling;
  return [
    ...header(meta),
    ...goalsSection(goals),
    "## Throughput",
    "",
    "![Throughput per scenario](throughput.svg)",
    "",
    ...(c
      ? [
          `Ceiling (scenario 1): Put Page From URL 4 MiB **${f(c.putPageFromUrl.mibps, 0)} MiB/s** at concurrency ` +
            `${c.putPageFromUrl.concurrency}; plain Put Page 4 MiB ${f(c.putPage.mibps, 0)} MiB/s at concurrency ${c.putPage.concurrency}; ` +
            `4 KiB Put Page From URL ${f(c.smallPutPageFromUrl.requestsPerSecond, 0)} requests/s at concurrency ${c.smallPutPageFromUrl.concurrency}.`,
          "",
        ]
      : []),
    ...incrementalSection(run),
    ...scatteredSection(run),
    ...azureSection(run, results),
    ...scaleSection(run),
    ...appSection(results),
    ...restoreSection(results, c?.putPageFromUrl.mibps),
    ...revertSection(run),
    ...manySection(run),
    ...durabilitySection(run.durability),
    ...lifecycleSection(run),
    ...managedSection(run),
    "## What limits us",
    "",
    ...analysis(run, results),
    "",
    ...(notes.length > 0 ? ["## Not measured", "", ...notes.map((n) => `- ${n}`), ""] : []),
    "## All measurements",
    "",
    resultsMarkdown(results),
    "",
    "Ratios: `writes/opt` write requests over the optimum; `t/first` time over the first backup; `×naive` and " +
      "`×full-copy` how many times faster than the naive incremental script and the full snapshot copy on the same " +
      "window; `t/1GiB` time over the 1 GiB disk's. `% ceil` is MiB/s over the Put Page From URL ceiling (plain Put Page " +
      "ceiling for the Put Page sweep). Raw figures: [`latest.json`](latest.json).",
    "",
  ].join("\n");
}

// REPORT.md sections of issue 16's scenarios: the Azure-shaped profile (11), the restore (7), revert by diff
// (12), scattered small changes with gap bridging, and many disks in one run (13).
import type { Measurement } from "../bench";
import { MiB } from "../config";
import type { BenchRun } from "../model";
import { busyShare } from "./goals";
import { markdownTable } from "./table";

function f(value: number | undefined, digits = 2): string {
  return value === undefined || !Number.isFinite(value) ? "—" : value.toFixed(digits);
}

const pct = (ratio: number | undefined) =>
  ratio === undefined || !Number.isFinite(ratio) ? "—" : `${(ratio * 100).toFixed(0)}%`;

/** Where the profile's figures come from (the public pages the emulator README cites). */
export const PROFILE_SOURCES =
  "[Blob storage scalability targets](https://learn.microsoft.com/azure/storage/blobs/scalability-targets) " +
  "(a page blob: up to 500 requests/s and 60 MiB/s), [standard account targets](https://learn.microsoft.com/azure/storage/common/scalability-targets-standard-account) " +
  "(20,000 requests/s outside the largest regions), and [the service's error codes](https://learn.microsoft.com/rest/api/storageservices/common-rest-api-error-codes) " +
  "(503 `ServerBusy`, with its messages)";

function throttleCells(m: Measurement | undefined): string[] {
  if (!m?.throttle) return ["—", "—", "—"];
  const share = busyShare(m);
  return [
    String(m.throttle.admitted),
    String(m.throttle.serverBusy),
    share === undefined ? "—" : `${(share * 100).toFixed(2)}%`,
  ];
}

export function azureSection(run: BenchRun, results: Measurement[]): string[] {
  const profile = run.throttle;
  const rows = results.filter((m) => m.scenario === "11 azure");
  if (!profile || rows.length === 0) return [];
  const target = profile.blobBytesPerSecond / MiB;
  return [
    "## Azure-shaped limits (scenario 11)",
    "",
    `The same work again with the emulator's Azure-shaped profile on: every request waits ${profile.latencyMs} ms, and ` +
      `each blob (with its snapshots) takes at most ${f(target, 0)} MiB/s and ${profile.blobRequestsPerSecond} requests/s, ` +
      `each account ${profile.accountRequestsPerSecond} requests/s, as token buckets holding ${profile.burstMs} ms of their rate; ` +
      "beyond them the emulator answers 503 `ServerBusy` with the service's body, and a busy copy source as the service " +
      `reports it (409 with the source's 503). Targets from ${PROFILE_SOURCES}. The app paces each blob at 95% of the ` +
      "targets (tuning `blobBytesPerSecond`, `blobRequestsPerSecond`) and slows further on a 503.",
    "",
    markdownTable(
      ["case", "time s", "MiB/s", "% of per-blob target", "requests admitted", "503s", "503 share"],
      rows.map((m) => [
        m.label,
        f(m.seconds),
        m.bytes > 0 ? f(m.mibps, 1) : "—",
        m.bytes > 0 ? pct(m.mibps / target) : "",
        ...throttleCells(m),
      ]),
    ),
    "",
  ];
}

/** What the restore's rounds in turns with a plain copy on the same emulator state say (older runs: one copy). */
function inTurnsText(sameState: Measurement, restore: Measurement | undefined): string {
  const copy = ` a plain Put Page From URL copy of as many bytes at the ceiling's concurrency (${sameState.details.concurrency})`;
  if (restore?.details.sameStateUsableShares === undefined)
    return ` Right before, on the same emulator state,${copy}: ${f(sameState.seconds)} s.`;
  return (
    ` The loopback restore runs in turns with${copy} on the same emulator state (median ${f(sameState.seconds)} s): ` +
    `per round, the target was usable at ${restore.details.sameStateUsableShares} of that copy's rate ` +
    `(median ${pct(restore.ratios.usableOfSameStateCopy)}) and the whole restore took ${restore.details.sameStateTimes}× ` +
    `its time (median ${f(restore.ratios.timeVsSameStateCopy)}×).` +
    (restore.details.copyThenReadTimes === undefined
      ? ""
      : ` Each round also read as many bytes from both sides of the restore point (its backup and source ` +
        `snapshots, 4 MiB pieces, 4 pairs in flight, nothing hashed) between the two: that copy plus that read, ` +
        `what a restore verified by reading both sides back does, done plainly, came to ${restore.details.copyThenReadTimes}× ` +
        `the copy (median ${f(restore.ratios.copyThenReadInTurns)}×).`)
  );
}

export function restoreSection(results: Measurement[], ceilingMibps: number | undefined): string[] {
  const rows = results.filter((m) => m.task === "appRestoreDirect" && m.scenario !== "12 revert");
  if (rows.length === 0) return [];
  const sameState = results.find((m) => m.scenario === "7 restore" && m.task === "ceilingPutPageFromUrl");
  return [
    "## Restore (scenario 7)",
    "",
    "A restore of the newest point to a new disk through the app's steps in-process: the target first (copied " +
      "server side with Put Page From URL), then the verification reads the restore point and the target, compares " +
      "their SHA-256, while the service promotes the restore point into the new chain's backup blob (Copy Blob). Usable = " +
      `the target complete (when its copy ended; the promotion is then started and the verification follows). One copy at the ceiling: the allocated bytes at ${f(ceilingMibps, 0)} MiB/s ` +
      "(loopback) or at the per-blob target (Azure-shaped). A loopback restore is run three times (to a new disk " +
      "each time) and the run with the median total time is shown; its total times are in the last column." +
      (sameState ? inTurnsText(sameState, rows[0]) : ""),
    "",
    markdownTable(
      [
        "case",
        "MiB",
        "usable s",
        "usable share",
        "verify + promote s",
        "total s",
        "× one copy",
        "MiB compared",
        "runs (total s)",
      ],
      rows.map((m) => [
        m.label,
        f(m.bytes / MiB, 0),
        f(Number(m.details.usableSeconds)),
        pct(m.ratios.usableOfCeiling ?? m.ratios.usableOfTarget),
        f(Number(m.details.verifySeconds)),
        f(m.seconds),
        f(m.ratios.timeVsOneCopy),
        f(Number(m.details.bytesCompared) / MiB, 0),
        m.details.runs === undefined ? "1" : String(m.details.runs),
      ]),
    ),
    "",
  ];
}

export function revertSection(run: BenchRun): string[] {
  const cases = run.revert?.cases ?? [];
  if (cases.length === 0) return [];
  /** One measured case: its time, the bytes it changed (or reverted), wrote and its blob requests; `ratioCell` beside. */
  const row = (label: string, m: Measurement, bytesKey: string, ratioCell = "") => [
    label,
    f(m.seconds),
    f(Number(m.details[bytesKey]) / MiB),
    f((m.bytesWritten ?? 0) / MiB),
    String(Object.values(m.requests).reduce((a, b) => a + b, 0)),
    ratioCell,
  ];
  const rows = cases.flatMap((c) => [
    row(`${c.label}: incremental backup`, c.backup, "changedBytes"),
    row(
      `${c.label}: revert in place (safety + revert + verify)`,
      c.revert,
      "writtenBytes",
      f(c.revert.ratios.timeVsBackup),
    ),
    row(
      `${c.label}: full restore of that point to a new disk`,
      c.full,
      "writtenBytes",
      f(c.full.ratios.timeVsBackup),
    ),
    ...(c.azure
      ? [
          row(`${c.label}, Azure-shaped: incremental backup`, c.azure.backup, "changedBytes"),
          row(
            `${c.label}, Azure-shaped: revert in place`,
            c.azure.revert,
            "writtenBytes",
            f(c.azure.revert.ratios.timeVsBackup),
          ),
        ]
      : []),
  ]);
  return [
    "## Revert by diff (scenario 12)",
    "",
    "The same allocation on a 1 GiB and a 64 GiB disk. A 1% change (random 64 KiB extents) is backed up through the " +
      "app's steps; another 1% change is then reverted by restoring the newest point in place: an incremental safety " +
      "point of the disk into its chain, the ranges the chain's diff says differ copied to the disk and the chain's " +
      "backup blob, and the verification of those ranges and of the disk's own diff. Five rounds of (change, backup, " +
      "change, revert) per disk; the round with the median ratio is shown (all rounds' ratios: " +
      cases.map((c) => `${c.label} ${c.revert.details.roundRatios ?? "—"}`).join("; ") +
      ")." +
      (cases.some((c) => c.azure)
        ? " The same rounds again under the Azure-shaped profile (every request waits 10 ms, each blob paced at " +
          "95% of its targets), where the requests' round trips, not this machine's load, set the pace (all " +
          "rounds' ratios: " +
          cases.map((c) => `${c.label} ${c.azure?.revert.details.roundRatios ?? "—"}`).join("; ") +
          ")."
        : ""),
    "",
    markdownTable(
      ["case", "time s", "MiB changed / reverted", "MiB written (emulator)", "requests", "× backup"],
      rows,
    ),
    "",
  ];
}

export function scatteredSection(run: BenchRun): string[] {
  const windows = (run.backups?.windows ?? []).filter(
    (w) => w.pattern === "rand4K" || w.pattern === "rand64K",
  );
  if (windows.length === 0) return [];
  const rows = windows.map((w) => [
    `${w.pattern} ${Number((w.fraction * 100).toFixed(2))}%`,
    f(w.changedBytes / MiB),
    String(w.optimumWrites),
    String(w.ours.requests.putPageFromUrl ?? 0),
    f(Number(w.ours.details.bridgedBytes ?? 0) / MiB),
    pct(Number(w.ours.details.bridgedBytes ?? 0) / w.changedBytes),
  ]);
  return [
    "## Scattered small changes: gap bridging",
    "",
    "Changed ranges separated by unchanged gaps of at most `bridgeGapBytes` (120 KiB: what one request costs a blob in " +
      "bytes at the service's targets, 60 MiB/s ÷ 500 requests/s) inside the snapshot's allocated ranges are copied as " +
      "one range where that saves a request. The bridged bytes are unchanged since the previous snapshot, so the backup " +
      "holds the same data; they are written again, and on the service stored again (a rewritten page diverges from " +
      "the older snapshot and is billed once more).",
    "",
    markdownTable(
      [
        "window",
        "changed MiB",
        "ranges (4 MiB pieces)",
        "write requests",
        "bridged MiB written and stored",
        "bridged / changed",
      ],
      rows,
    ),
    "",
  ];
}

export function manySection(run: BenchRun): string[] {
  const many = run.many;
  if (!many) return [];
  const row = (m: Measurement) => [
    m.label,
    f(m.seconds),
    f(m.bytes / MiB, 0),
    String(m.details.activities ?? "—"),
    String(m.details.historyEvents ?? "—"),
    m.details.historyEvents === undefined ? "—" : f(Number(m.details.historyEvents) / many.disks, 1),
    m.details.runEndLagSeconds === undefined ? "—" : f(Number(m.details.runEndLagSeconds)),
    m.details.sumSeconds === undefined ? "—" : f(Number(m.details.sumSeconds)),
    m.details.emulatorSaves === undefined
      ? "—"
      : `${m.details.emulatorSaves} (${f(Number(m.details.emulatorSaveSeconds), 1)} s)`,
    f(m.peakRssMiB, 0),
  ];
  return [
    "## Many disks at once (scenario 13)",
    "",
    `${many.disks} disks of 1 GiB (1 MiB allocated, then ${f(many.changedBytesPerDisk / MiB, 1)} MiB changed on each in ` +
      `256 KiB blocks) in one backup run through the local runtime (HTTP API, durable replay, in-memory store), against ` +
      `the copy engine doing the same copies ${many.parallelDisks} disks at a time (the runtime's activity concurrency). ` +
      "The engine's copies are deleted before the runtime's run, so both meet the same emulator state. Emulator saves: " +
      "its group commits meanwhile and the time its thread spent writing them (a redo-log record each, a checkpoint now and then).",
    "",
    markdownTable(
      [
        "case",
        "time s",
        "MiB copied",
        "activities",
        "history events",
        "events per disk",
        "run ends after last disk s",
        "sum of per-disk s",
        "emulator saves (s)",
        "peak RSS MiB",
      ],
      [row(many.first), row(many.engine), row(many.runtime)],
    ),
    "",
  ];
}

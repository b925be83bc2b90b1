// The results table, as fixed-width text for stdout and as Markdown rows for the report.
import type { Measurement } from "../bench";
import { MiB } from "../config";

const HEADERS = [
  "scenario",
  "case",
  "time s",
  "MiB/s",
  "% ceil",
  "MiB moved",
  "requests by kind",
  "peak RSS MiB",
  "ratios",
];

const SHORT: Record<string, string> = {
  putPageFromUrl: "ppfu",
  putPage: "put",
  getBlob: "get",
  getPageRanges: "list",
  getPageRangesDiff: "diff",
  createSnapshot: "snap",
  createBlob: "create",
  copyBlob: "copy",
  clearPages: "clear",
  getProperties: "props",
};

const RATIO_NAMES: Record<string, string> = {
  writesVsOptimum: "writes/opt",
  timeVsFirst: "t/first",
  speedupVsNaive: "×naive",
  speedupVsNaiveFull: "×full-copy",
  timeVs1GiB: "t/1GiB",
  rssVs1GiB: "rss/1GiB",
  timeVsEngine: "t/engine",
  activitiesPerGiB: "activities/GiB",
  historyEventsPerGiB: "events/GiB",
  ofTarget: "of target",
  usableOfCeiling: "usable/ceil",
  usableOfTarget: "usable/target",
  timeVsOneCopy: "t/one copy",
  usableOfSameStateCopy: "usable/same-state copy",
  timeVsSameStateCopy: "t/same-state copy",
  copyThenReadInTurns: "copy+read/same-state copy",
  timeVsCopyThenRead: "t/copy+read in turns",
  ofPlainCopyInTurns: "of plain copy in turns",
  timeVsBackup: "t/backup",
  historyEventsPerDisk: "events/disk",
};

function requestsText(m: Measurement): string {
  return Object.entries(m.requests)
    .map(([kind, n]) => `${SHORT[kind] ?? kind} ${n}`)
    .join(", ");
}

function ratiosText(m: Measurement): string {
  const ratios = Object.entries(m.ratios)
    .filter(([name]) => RATIO_NAMES[name] !== undefined)
    .map(([name, value]) => `${RATIO_NAMES[name]} ${value.toFixed(2)}`);
  if (m.throttle) ratios.push(`503s ${m.throttle.serverBusy}/${m.throttle.admitted + m.throttle.serverBusy}`);
  return ratios.join(", ");
}

export function rowOf(m: Measurement): string[] {
  const ofCeiling = m.ratios.ofCeiling ?? m.ratios.ofPutPageCeiling;
  return [
    m.scenario,
    m.label,
    m.seconds.toFixed(2),
    m.bytes > 0 ? m.mibps.toFixed(1) : "—",
    ofCeiling === undefined ? "" : `${(ofCeiling * 100).toFixed(0)}%`,
    (m.bytes / MiB).toFixed(1),
    requestsText(m),
    m.peakRssMiB.toFixed(0),
    ratiosText(m),
  ];
}

export function textTable(results: Measurement[]): string {
  const rows = [HEADERS, ...results.map(rowOf)];
  const widths = HEADERS.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

export function markdownTable(headers: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.map((c) => c.replaceAll("|", "\\|")).join(" | ")} |`;
  return [line(headers), line(headers.map(() => "---")), ...rows.map(line)].join("\n");
}

export function resultsMarkdown(results: Measurement[]): string {
  return markdownTable(HEADERS, results.map(rowOf));
}

// REPORT.md section of scenario 8: what keeping acknowledged writes across a kill, and answering
// x-ms-content-crc64 on Put Page, cost on this emulator.
import { MiB } from "../config";
import type { DurabilitySummary } from "../scenarios/durability";
import { markdownTable } from "./table";

function pct(part: number, whole: number): string {
  if (!(whole > 0)) return "—";
  const cost = (1 - part / whole) * 100;
  return `${cost >= 0 ? "" : "−"}${Math.abs(cost).toFixed(0)}%`;
}

export function durabilitySection(summary: DurabilitySummary | undefined): string[] {
  if (summary === undefined) return [];
  const { default: base, lazySaves, noCrc } = summary.variants;
  const levels = Object.keys(base.putPage);
  const row = (name: string, v: typeof base) => [
    name,
    ...levels.map((l) => (v.putPage[l] ?? 0).toFixed(0)),
    v.smallRequestsPerSecond.toFixed(0),
  ];
  const cost = (name: string, v: typeof base) => [
    name,
    ...levels.map((l) => pct(base.putPage[l] ?? 0, v.putPage[l] ?? 0)),
    pct(base.smallRequestsPerSecond, v.smallRequestsPerSecond),
  ];
  return [
    "## Durability and CRC-64 (scenario 8)",
    "",
    `Three emulators in disk mode, measured in turns (${summary.rounds} rounds, median; ${summary.bytesPerRun / MiB} MiB ` +
      "per Put Page run, 256 requests per 4 KiB Put Page From URL run): the default, which answers a request only " +
      "once its changes are saved (group commit) and returns `x-ms-content-crc64` on Put Page; the same with " +
      "Azurite's own 5-second saves (a kill loses acknowledged writes); and the default without the CRC-64.",
    "",
    markdownTable(
      ["emulator", ...levels.map((l) => `Put Page 4 MiB ${l} MiB/s`), "4 KiB Put Page From URL req/s"],
      [row("default (durable, CRC-64)", base), row("5-second saves", lazySaves), row("no CRC-64", noCrc)],
    ),
    "",
    markdownTable(
      ["what it costs", ...levels.map((l) => `Put Page ${l}`), "4 KiB Put Page From URL"],
      [cost("durability (vs 5-second saves)", lazySaves), cost("CRC-64 (vs none)", noCrc)],
    ),
    "",
  ];
}

// REPORT.md section of scenario 8: what keeping acknowledged writes across a kill, and answering
// x-ms-content-crc64 on Put Page, cost on this emulator.
import { MiB } from "../config";
import type { DurabilitySummary, VariantFigures } from "../scenarios/durability";
import { markdownTable } from "./table";

/** The default's figure against the variant without the feature, as a signed change in percent. */
function change(value: number, baseline: number): string {
  if (!(baseline > 0) || !(value > 0)) return "—";
  const percent = (value / baseline - 1) * 100;
  return `${percent < 0 ? "−" : "+"}${Math.abs(percent).toFixed(0)}%`;
}

export function durabilitySection(summary: DurabilitySummary | undefined): string[] {
  if (summary === undefined) return [];
  const { default: base, lazySaves, noCrc } = summary.variants;
  const levels = Object.keys(base.putPage);
  const keys = [...levels, "small"];
  const row = (name: string, v: VariantFigures) => [
    name,
    ...levels.map((l) => (v.putPage[l] ?? 0).toFixed(0)),
    v.smallRequestsPerSecond.toFixed(0),
    ...keys.map((k) => (v.cpuMsPerRequest[k] ?? 0).toFixed(1)),
  ];
  const cost = (name: string, without: VariantFigures) => [
    name,
    ...keys.map((k) => change(base.cpuMsPerRequest[k] ?? 0, without.cpuMsPerRequest[k] ?? 0)),
    ...levels.map((l) => change(base.putPage[l] ?? 0, without.putPage[l] ?? 0)),
    change(base.smallRequestsPerSecond, without.smallRequestsPerSecond),
  ];
  const commits = base.commits;
  return [
    "## Durability and CRC-64 (scenario 8)",
    "",
    `Three emulators in disk mode, measured in turns (${summary.rounds} rounds, median; ${summary.bytesPerRun / MiB} MiB ` +
      "per 4 MiB Put Page run, 256 requests per 4 KiB Put Page From URL run at concurrency 8): the default, which " +
      "answers a request only once its changes are saved (group commit) and returns `x-ms-content-crc64` on Put Page; " +
      "the same with Azurite's own 5-second saves (a kill loses acknowledged writes); and the default without the " +
      "CRC-64. Rates are wall clock; CPU is the emulator process's CPU time per request, which swings far less " +
      "with the load of a shared machine and is the better measure of what each feature adds.",
    "",
    markdownTable(
      [
        "emulator",
        ...levels.map((l) => `Put Page ${l} MiB/s`),
        "4 KiB PPFU req/s",
        ...levels.map((l) => `CPU ms / Put Page ${l}`),
        "CPU ms / 4 KiB PPFU",
      ],
      [row("default (durable, CRC-64)", base), row("5-second saves", lazySaves), row("no CRC-64", noCrc)],
    ),
    "",
    markdownTable(
      [
        "default against",
        ...levels.map((l) => `CPU / Put Page ${l}`),
        "CPU / 4 KiB PPFU",
        ...levels.map((l) => `MiB/s Put Page ${l}`),
        "req/s 4 KiB PPFU",
      ],
      [
        cost("5-second saves (what durability costs)", lazySaves),
        cost("no CRC-64 (what the CRC costs)", noCrc),
      ],
    ),
    "",
    ...(commits
      ? [
          `The default emulator made ${commits.perPutPage.toFixed(2)} group commits of its blob store per 4 MiB Put Page, ` +
            `${commits.msEach.toFixed(2)} ms each (serializing and writing its databases, on the event loop): ` +
            `${((100 * commits.perPutPage * commits.msEach) / (base.cpuMsPerRequest[levels[0] ?? ""] || 1)).toFixed(1)}% ` +
            `of the emulator's CPU time per Put Page at ${levels[0]}. That is durability's own cost; the rates of the ` +
            "three emulators also differ by the machine's load between their turns.",
          "",
        ]
      : []),
  ];
}

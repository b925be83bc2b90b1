// Writes the run's outputs: the table on stdout, bench/results/latest.json, REPORT.md and throughput.svg.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Bench } from "../bench";
import type { BenchRun, RunMeta } from "../model";
import { evaluateGoals } from "./goals";
import { reportMarkdown } from "./markdown";
import { throughputSvg } from "./svg";
import { textTable } from "./table";

/** bench/results in the source tree (this file runs from dist/bench/report). */
export const RESULTS_DIR = join(__dirname, "..", "..", "..", "bench", "results");

export interface Rendered {
  results: Bench["results"];
  notes: string[];
}

export async function writeResults(bench: Rendered, run: BenchRun, meta: RunMeta): Promise<void> {
  const goals = evaluateGoals(run, bench.results);
  console.log(`\n${textTable(bench.results)}\n`);
  for (const g of goals) console.log(`${g.status.padEnd(12)} ${g.goal}: ${g.measured} (target ${g.target})`);
  for (const note of bench.notes) console.log(note);
  await mkdir(RESULTS_DIR, { recursive: true });
  const json = { meta, goals, ceiling: run.ceiling, results: bench.results, notes: bench.notes, run };
  await writeFile(join(RESULTS_DIR, "latest.json"), `${JSON.stringify(json, null, 2)}\n`);
  await writeFile(
    join(RESULTS_DIR, "REPORT.md"),
    reportMarkdown(meta, run, bench.results, goals, bench.notes),
  );
  await writeFile(
    join(RESULTS_DIR, "throughput.svg"),
    throughputSvg(bench.results, run.ceiling?.putPageFromUrl.mibps),
  );
  console.log(`\nwrote ${join(RESULTS_DIR, "REPORT.md")}, latest.json, throughput.svg`);
}

/**
 * `--only durability`: adds scenario 8 to the last full run's latest.json and report instead of replacing
 * them, and says in the report's note that it came from a separate run.
 */
export async function mergeDurability(run: BenchRun, meta: RunMeta): Promise<void> {
  const json = JSON.parse(await readFile(join(RESULTS_DIR, "latest.json"), "utf8")) as {
    meta: RunMeta;
    results: Bench["results"];
    notes: string[];
    run?: BenchRun;
  };
  if (json.run === undefined) throw new Error("latest.json predates --render: run the full bench once");
  const note =
    `Scenario 8 (durability, CRC-64) comes from a separate \`npm run bench -- --only durability\` on ${meta.date}, ` +
    `commit \`${meta.commit}\`, load average ${meta.loadAverageStart.toFixed(1)} / ${meta.loadAverageEnd.toFixed(1)}, ` +
    `${meta.wallSeconds.toFixed(0)} s.`;
  const merged = { ...json.meta, note: [json.meta.note, note].filter(Boolean).join(" ") };
  await writeResults(
    { results: json.results, notes: json.notes },
    { ...json.run, durability: run.durability },
    merged,
  );
}

/** `--render`: rewrites the report from latest.json (after a change to the report's wording, no rerun). */
export async function renderFromLatest(): Promise<void> {
  const json = JSON.parse(await readFile(join(RESULTS_DIR, "latest.json"), "utf8")) as {
    meta: RunMeta;
    results: Bench["results"];
    notes: string[];
    run?: BenchRun;
  };
  if (json.run === undefined) throw new Error("latest.json predates --render: run the bench once");
  const meta = process.env.BENCH_NOTE ? { ...json.meta, note: process.env.BENCH_NOTE } : json.meta;
  await writeResults({ results: json.results, notes: json.notes }, json.run, meta);
}

/** The previous run (latest.json), for `--merge`. */
export async function readLatest(): Promise<{
  meta: RunMeta;
  results: Bench["results"];
  notes: string[];
  run?: BenchRun;
}> {
  return JSON.parse(await readFile(join(RESULTS_DIR, "latest.json"), "utf8"));
}

/**
 * `--merge`: the scenarios of this run replace the same scenarios of latest.json, everything else is kept
 * from it, and the report's note says which figures come from which run.
 */
export async function mergeIntoLatest(bench: Rendered, run: BenchRun, meta: RunMeta): Promise<void> {
  const previous = await readLatest();
  if (previous.run === undefined) throw new Error("latest.json predates --merge: run the full bench once");
  const scenarios = [...new Set(bench.results.map((m) => m.scenario))];
  const results = [...previous.results.filter((m) => !scenarios.includes(m.scenario)), ...bench.results];
  const { wallSeconds: _wall, ceiling: _ceiling, ...measured } = run;
  const tag = `Scenario ${scenarios.join(", ")} comes from a separate`;
  const note =
    `${tag} \`npm run bench -- --only … --merge\` on ${meta.date}, commit \`${meta.commit}\`, load average ` +
    `${meta.loadAverageStart.toFixed(1)} / ${meta.loadAverageEnd.toFixed(1)}, ${meta.wallSeconds.toFixed(0)} s` +
    `${meta.note ? ` (${meta.note})` : ""}.`;
  // A later merge of the same scenarios replaces its note instead of adding another.
  const kept = (previous.meta.note ?? "")
    .split(/(?<=\.) (?=Scenario )/)
    .filter((n) => n && !n.startsWith(tag));
  await writeResults(
    { results, notes: previous.notes },
    { ...previous.run, ...measured },
    { ...previous.meta, note: [...kept, note].join(" ") },
  );
}

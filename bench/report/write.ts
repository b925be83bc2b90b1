// Writes the run's outputs: the table on stdout, bench/results/latest.json.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Bench } from "../bench";
import type { BenchRun } from "../run";

export async function writeResults(bench: Bench, run: BenchRun): Promise<void> {
  const dir = join(__dirname, "..", "..", "..", "bench", "results");
  await mkdir(dir, { recursive: true });
  for (const m of bench.results) {
    console.log(`${m.scenario}\t${m.label}\t${m.seconds.toFixed(2)}\t${m.mibps.toFixed(1)}\t${JSON.stringify(m.requests)}\t${JSON.stringify(m.ratios)}`);
  }
  await writeFile(join(dir, "latest.json"), `${JSON.stringify({ run, results: bench.results, notes: bench.notes }, null, 2)}\n`);
}

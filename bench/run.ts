// `npm run bench`: starts the storage emulator in disk mode in a temp folder, runs the scenarios of
// issue 7 with the copying side in child processes, prints a table and writes bench/results/
// (latest.json, REPORT.md, throughput.svg). Flags: --quick, --scale <f>, --seed <n>, --only <ids>.
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulator } from "../local/emulator/index";
import { Bench } from "./bench";
import { loadConfig, wants } from "./config";
import { DataPool } from "./random";
import { writeResults } from "./report/write";
import { type BackupSummary, runBackups } from "./scenarios/backup";
import { type Ceiling, runCeiling } from "./scenarios/ceiling";
import { runOrchestration } from "./scenarios/orchestration";
import { runRestore } from "./scenarios/restore";
import { runPlanning, runScale, type ScaleSummary } from "./scenarios/scale";

export interface BenchRun {
  ceiling?: Ceiling;
  backups?: BackupSummary;
  scale?: ScaleSummary;
  wallSeconds: number;
}

async function main(): Promise<void> {
  const config = loadConfig();
  const started = Date.now();
  const log = (line: string) => console.log(line);
  const location = await mkdtemp(join(tmpdir(), "bench-emulator-"));
  log(`bench: scale ${config.scale}, seed ${config.seed}, ${cpus().length} cores, data in ${location}`);
  const emulator = await startEmulator({ blobPort: 0, tablePort: 0, location, fastPutPage: true });
  const bench = new Bench(config, emulator, new DataPool(config.seed), log);
  const run: BenchRun = { wallSeconds: 0 };
  try {
    const ceiling = await runCeiling(bench);
    run.ceiling = ceiling;
    if (wants(config, "backup")) run.backups = await runBackups(bench, ceiling);
    if (wants(config, "scale")) {
      run.scale = await runScale(bench);
      run.scale.planning = await runPlanning(bench);
    }
    if (wants(config, "orchestration")) await runOrchestration(bench);
    if (wants(config, "restore")) await runRestore(bench, ceiling);
  } finally {
    await emulator.stop();
    if (!config.keepData) await rm(location, { recursive: true, force: true });
  }
  run.wallSeconds = (Date.now() - started) / 1000;
  await writeResults(bench, run);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

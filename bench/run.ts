// `npm run bench`: starts the storage emulator in disk mode in a temp folder, runs the scenarios
// with the copying side in child processes, prints a table and writes bench/results/
// (latest.json, REPORT.md, throughput.svg). Flags: --quick, --scale <f>, --seed <n>, --only <ids>
// (backup, scale, app, lifecycle, managed, revert, many, durability), --keep-data, --render (rewrite the
// report from latest.json), --merge (with --only: the scenarios run replace theirs in latest.json, the
// rest is kept; the ceiling is taken from it), --throttle <azure|JSON> (the Azure-shaped profile of the
// profiled scenarios; or EMULATOR_THROTTLE). BENCH_NOTE adds a line to the report.

import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { startEmulator } from "../local/emulator/index";
import { Bench } from "./bench";
import { loadConfig, wants } from "./config";
import { HOST_GC_FLAG, rerunWithHostFlags } from "./hostFlags";
import type { BenchRun, RunMeta } from "./model";
import { DataPool } from "./random";
import { mergeDurability, mergeIntoLatest, readLatest, renderFromLatest, writeResults } from "./report/write";
import { runApp } from "./scenarios/app";
import { runBackups } from "./scenarios/backup";
import { runCeiling } from "./scenarios/ceiling";
import { runDurability } from "./scenarios/durability";
import { runLifecycle } from "./scenarios/lifecycle";
import { runManaged } from "./scenarios/managed";
import { runMany } from "./scenarios/many";
import { runRevert } from "./scenarios/revert";
import { runPlanning, runScale } from "./scenarios/scale";
import { cpuTimes, stolenShare } from "./steal";

function commit(): string {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

async function main(): Promise<void> {
  const rerun = rerunWithHostFlags();
  if (rerun !== undefined) {
    process.exitCode = rerun;
    return;
  }
  if (process.argv.includes("--render")) {
    await renderFromLatest();
    return;
  }
  const config = loadConfig();
  const started = Date.now();
  const loadAverageStart = loadavg()[0] ?? 0;
  const cpuAtStart = cpuTimes();
  const log = (line: string) => console.log(line);
  // Each scenario gets an empty emulator (bench.freshEmulator) on the ports of the first one.
  const locations: string[] = [];
  const start = async (ports = { blobPort: 0, tablePort: 0 }) => {
    const location = await mkdtemp(join(tmpdir(), "bench-emulator-"));
    locations.push(location);
    // The Azure-shaped profile is switched on per scenario (bench.underProfile), never for the whole run.
    return startEmulator({ ...ports, location, fastPutPage: true, throttle: false });
  };
  const emulator = await start();
  log(`bench: scale ${config.scale}, seed ${config.seed}, ${cpus().length} cores, data in ${locations[0]}`);
  const bench = new Bench(config, emulator, new DataPool(config.seed), log);
  const run: BenchRun = { wallSeconds: 0, throttle: config.throttle };
  const merge = process.argv.includes("--merge");
  try {
    // `--only durability` measures scenario 8 alone (it brings its own emulators and baselines).
    const onlyDurability = config.only?.size === 1 && config.only.has("durability");
    if (!onlyDurability) {
      const previous = merge ? (await readLatest()).run?.ceiling : undefined;
      const ceiling = previous ?? (await runCeiling(bench));
      run.ceiling = ceiling;
      const fresh = () => bench.freshEmulator(start);
      if (wants(config, "backup")) run.backups = await fresh().then(() => runBackups(bench, ceiling));
      if (wants(config, "scale")) {
        await fresh();
        run.scale = await runScale(bench);
        run.scale.planning = await runPlanning(bench);
      }
      if (wants(config, "app")) await fresh().then(() => runApp(bench, ceiling));
      if (wants(config, "lifecycle")) run.lifecycle = await fresh().then(() => runLifecycle(bench));
      if (wants(config, "managed")) run.managed = await fresh().then(() => runManaged(bench));
      if (wants(config, "revert")) run.revert = await fresh().then(() => runRevert(bench));
      if (wants(config, "many")) run.many = await fresh().then(() => runMany(bench));
    }
    if (wants(config, "durability")) run.durability = await runDurability(bench);
  } finally {
    await bench.emulator.stop();
    if (!config.keepData)
      for (const location of locations) await rm(location, { recursive: true, force: true });
  }
  run.wallSeconds = (Date.now() - started) / 1000;
  const meta: RunMeta = {
    date: new Date().toISOString(),
    commit: commit(),
    node: process.versions.node,
    cpuModel: cpus()[0]?.model.trim() ?? "unknown CPU",
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    scale: config.scale,
    seed: config.seed,
    loadAverageStart,
    loadAverageEnd: loadavg()[0] ?? 0,
    stolenShare: stolenShare(cpuAtStart, cpuTimes()),
    wallSeconds: run.wallSeconds,
    note: process.env.BENCH_NOTE,
    hostNodeFlags: process.execArgv.filter((arg) => arg === HOST_GC_FLAG),
  };
  if (config.only?.size === 1 && config.only.has("durability")) await mergeDurability(run, meta);
  else if (merge) await mergeIntoLatest(bench, run, meta);
  else await writeResults(bench, run, meta);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

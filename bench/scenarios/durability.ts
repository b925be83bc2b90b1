// Scenario 8, what faithfulness costs: the same minimal Put Page loops against three emulators in disk
// mode, run in turns: the default (a save per acknowledged request, x-ms-content-crc64 computed), one
// with Azurite's 5-second saves (loses acknowledged writes on a kill), one without the CRC-64.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type EmulatorOptions, startEmulator } from "../../local/emulator/index";
import { BACKUP_ACCOUNT, Bench, SOURCE_ACCOUNT } from "../bench";
import { MiB } from "../config";
import { median } from "../median";

export interface VariantFigures {
  /** Median MiB/s of 4 MiB Put Page per concurrency level. */
  putPage: Record<string, number>;
  /** Median requests/s of 4 KiB Put Page From URL at concurrency 8. */
  smallRequestsPerSecond: number;
  /**
   * Median CPU time of the emulator's process per request (c1, c8: 4 MiB Put Page; small: 4 KiB Put
   * Page From URL). Wall-clock rates on a shared 2-core machine swing with the load; the emulator's own
   * CPU per request is what each variant adds or saves.
   */
  cpuMsPerRequest: Record<string, number>;
  /** Default variant only: the blob store's group commits per 4 MiB Put Page and the ms each took. */
  commits?: { perPutPage: number; msEach: number };
  runs: Record<string, number[]>;
}

export interface DurabilitySummary {
  rounds: number;
  bytesPerRun: number;
  variants: Record<VariantName, VariantFigures>;
}

type VariantName = "default" | "lazySaves" | "noCrc";

const VARIANTS: { name: VariantName; options: EmulatorOptions }[] = [
  { name: "default", options: {} },
  { name: "lazySaves", options: { durable: false } },
  { name: "noCrc", options: { putPageCrc: false } },
];
const LEVELS = [1, 8];
const ROUNDS = 5;
const SMALL = 4096;
const CONTAINER = "bench-durability";
// 256 small copies read their sources 64 KiB apart.
const SOURCE_BYTES = 16 * MiB;

const ZERO = { commits: 0, waits: 0, bytes: 0, serializeMs: 0, writeMs: 0 };

/** The driver's CPU time since `start`, in ms: while a task runs in its child, that is the emulator. */
function cpuMs(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

export async function runDurability(main: Bench): Promise<DurabilitySummary> {
  const bytes = main.config.ceilingBytes;
  main.log(`durability: ${VARIANTS.length} emulators, ${ROUNDS} rounds in turns, ${bytes / MiB} MiB per run`);
  const folders: string[] = [];
  const benches: Bench[] = [];
  try {
    for (const variant of VARIANTS) {
      const location = await mkdtemp(join(tmpdir(), `bench-${variant.name}-`));
      folders.push(location);
      const emulator = await startEmulator({ blobPort: 0, tablePort: 0, location, ...variant.options });
      const bench = new Bench(main.config, emulator, main.pool, () => {});
      benches.push(bench);
      for (const account of [SOURCE_ACCOUNT, BACKUP_ACCOUNT]) await bench.createContainer(account, CONTAINER);
      const source = bench.pageBlob(SOURCE_ACCOUNT, CONTAINER, "source");
      await source.create(SOURCE_BYTES);
      await bench.writeRanges(source, [{ offset: 0, length: SOURCE_BYTES }]);
    }
    const runs = new Map<string, number[]>();
    const record = (variant: VariantName, key: string, value: number) => {
      const id = `${variant}/${key}`;
      runs.set(id, [...(runs.get(id) ?? []), value]);
    };
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, variant] of VARIANTS.entries()) {
        const bench = benches[i]!;
        for (const concurrency of LEVELS) {
          const blob = `pp-r${round}-c${concurrency}`;
          await bench.pageBlob(BACKUP_ACCOUNT, CONTAINER, blob).create(bytes);
          const commitsBefore = { ...(bench.emulator.commitStats?.blob ?? ZERO) };
          const cpu = process.cpuUsage();
          const m = await bench.measure(
            "8 durability",
            `${variant.name} Put Page c${concurrency}`,
            "ceilingPutPage",
            {
              destination: { account: BACKUP_ACCOUNT, container: CONTAINER, blob },
              bytes,
              concurrency,
            },
          );
          const requests = Number(m.details.requests);
          record(variant.name, `c${concurrency}`, m.mibps);
          record(variant.name, `cpu-c${concurrency}`, cpuMs(cpu) / requests);
          const after = bench.emulator.commitStats?.blob;
          if (after !== undefined) {
            const commits = after.commits - commitsBefore.commits;
            const ms = after.serializeMs + after.writeMs - commitsBefore.serializeMs - commitsBefore.writeMs;
            record(variant.name, "commitsPerPutPage", commits / requests);
            record(variant.name, "commitMs", ms / Math.max(1, commits));
          }
        }
        const small = `ppfu-small-r${round}`;
        await bench.pageBlob(BACKUP_ACCOUNT, CONTAINER, small).create(bytes);
        const cpu = process.cpuUsage();
        const m = await bench.measure("8 durability", `${variant.name} 4 KiB PPFU`, "ceilingPutPageFromUrl", {
          source: { account: SOURCE_ACCOUNT, container: CONTAINER, blob: "source" },
          destination: { account: BACKUP_ACCOUNT, container: CONTAINER, blob: small },
          bytes: 256 * SMALL,
          chunkBytes: SMALL,
          concurrency: 8,
        });
        record(variant.name, "small", Number(m.details.requests) / m.seconds);
        record(variant.name, "cpu-small", cpuMs(cpu) / Number(m.details.requests));
      }
    }
    const variants = {} as Record<VariantName, VariantFigures>;
    for (const { name } of VARIANTS) {
      const putPage: Record<string, number> = {};
      for (const level of LEVELS) putPage[`c${level}`] = median(runs.get(`${name}/c${level}`) ?? []);
      const own: Record<string, number[]> = {};
      for (const [id, values] of runs) if (id.startsWith(`${name}/`)) own[id.slice(name.length + 1)] = values;
      const cpuMsPerRequest: Record<string, number> = {};
      for (const key of [...LEVELS.map((l) => `c${l}`), "small"]) {
        cpuMsPerRequest[key] = median(runs.get(`${name}/cpu-${key}`) ?? []);
      }
      const commitsPerPutPage = runs.get(`${name}/commitsPerPutPage`);
      variants[name] = {
        putPage,
        smallRequestsPerSecond: median(runs.get(`${name}/small`) ?? []),
        cpuMsPerRequest,
        ...(commitsPerPutPage
          ? {
              commits: {
                perPutPage: median(commitsPerPutPage),
                msEach: median(runs.get(`${name}/commitMs`) ?? []),
              },
            }
          : {}),
        runs: own,
      };
      main.log(
        `  8 durability ${name.padEnd(10)} Put Page ${LEVELS.map((l) => `c${l} ${putPage[`c${l}`]!.toFixed(0)}`).join(", ")} MiB/s; ` +
          `4 KiB PPFU ${variants[name].smallRequestsPerSecond.toFixed(0)} req/s; emulator CPU ms/request ` +
          Object.entries(cpuMsPerRequest)
            .map(([k, v]) => `${k} ${v.toFixed(1)}`)
            .join(", "),
      );
    }
    return { rounds: ROUNDS, bytesPerRun: bytes, variants };
  } finally {
    for (const bench of benches) await bench.emulator.stop();
    for (const folder of folders) await rm(folder, { recursive: true, force: true });
  }
}

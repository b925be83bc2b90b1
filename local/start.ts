// `npm start`: resolves the app settings, starts the storage emulator and the local Functions runtime
// with the app (durable state in the emulator's Table storage), prints the endpoints, and stops
// everything on Ctrl-C / SIGTERM.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { startEmulator } from "./emulator/index";
import { startLocalHost } from "./host/index";

const projectRoot = path.resolve(__dirname, "..", "..");

interface LocalSettingsFile {
  Values?: Record<string, string>;
}

/** local.settings.json if present, else the sample; environment variables override either. */
export function resolveSettings(
  root: string,
  env: NodeJS.ProcessEnv,
): { settings: Record<string, string>; file: string } {
  const own = path.join(root, "local.settings.json");
  const file = existsSync(own) ? own : path.join(root, "local.settings.sample.json");
  const values = existsSync(file)
    ? ((JSON.parse(readFileSync(file, "utf8")) as LocalSettingsFile).Values ?? {})
    : {};
  const settings: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) settings[name] = env[name] ?? String(value);
  return { settings, file };
}

/** The emulator's connection string stands in for the storage emulator shorthand, as Core Tools expects. */
function resolveStorage(value: string | undefined, emulatorConnection: string): string {
  if (!value || /UseDevelopmentStorage=true/i.test(value)) return emulatorConnection;
  return value;
}

async function main(): Promise<void> {
  const log = (line: string) => console.log(line);
  const { settings, file } = resolveSettings(projectRoot, process.env);
  log(`Settings from ${path.relative(projectRoot, file)} (environment variables override)`);
  const location = process.env.EMULATOR_LOCATION ?? path.join(projectRoot, ".azurite");
  mkdirSync(location, { recursive: true });
  // Other ports than 10000/10002 (tests run `npm start`'s app beside other emulators): settings must then
  // name the same ports, as environment variables override them.
  const port = (name: string) => (process.env[name] ? Number(process.env[name]) : undefined);
  const emulator = await startEmulator({
    location,
    blobPort: port("EMULATOR_BLOB_PORT"),
    tablePort: port("EMULATOR_TABLE_PORT"),
    log: (line) => log(`[emulator] ${line}`),
  });
  const storage = resolveStorage(settings.AzureWebJobsStorage, emulator.connectionString("devstoreaccount1"));
  settings.AzureWebJobsStorage = storage;
  let host: Awaited<ReturnType<typeof startLocalHost>> | undefined;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      log("Forced exit.");
      process.exit(1);
    }
    stopping = true;
    log(`${signal}: stopping the function host and the storage emulator...`);
    await host?.stop();
    await emulator.stop();
    log("Stopped.");
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
  host = await startLocalHost({
    appRoot: projectRoot,
    port: Number(process.env.PORT ?? 7071),
    settings,
    durableStore: { kind: "table", connectionString: storage },
    log,
  });
  log("");
  log(
    `Storage emulator: blob ${emulator.blobEndpoint("<account>")}, table ${emulator.tableEndpoint("<account>")}`,
  );
  log(`  accounts: ${emulator.accounts.map((a) => a.name).join(", ")}`);
  log(`Function host:    ${host.baseUrl}/api/...`);
  log(`Durable webhooks: ${host.baseUrl}/runtime/webhooks/durabletask/instances/<id>`);
  log("Ready. Press Ctrl-C to stop.");

  // --- After start: demo disk + first backup (local/demo.ts, written by the backup helper) ---------
  await runDemoIfPresent(settings, host.baseUrl, log);
}

/** Loads local/demo.ts only if it exists, so this entry compiles and runs without it. */
async function runDemoIfPresent(
  settings: Record<string, string>,
  baseUrl: string,
  log: (line: string) => void,
): Promise<void> {
  if ((settings.DEMO_DISK ?? process.env.DEMO_DISK)?.toLowerCase() === "false") return;
  const demoPath = path.join(__dirname, "demo.js");
  if (!existsSync(demoPath)) return;
  try {
    const demo = require(demoPath) as {
      runDemo?: (ctx: {
        settings: Record<string, string>;
        baseUrl: string;
        log: (s: string) => void;
      }) => Promise<void>;
    };
    await demo.runDemo?.({ settings, baseUrl, log: (s) => log(`[demo] ${s}`) });
  } catch (error) {
    log(`[demo] failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

if (require.main === module) {
  main().catch((error) => {
    // A bad setting is the user's to fix: its message names the setting, a stack trace would only bury it.
    const isSettings = error instanceof Error && error.name === "SettingsError";
    console.error(
      error instanceof Error ? (isSettings ? error.message : (error.stack ?? error.message)) : error,
    );
    process.exit(1);
  });
}

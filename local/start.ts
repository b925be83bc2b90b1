// `npm start`: resolves the app settings, starts the storage emulator, the Resource Manager stand-in
// (managed disks) and the local Functions runtime with the app (durable state in the emulator's Table
// storage), prints the endpoints and each run's progress and result, and stops everything on Ctrl-C /
// SIGTERM.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { startArmStandIn } from "./arm/index";
import { startEmulator } from "./emulator/index";
import { startLocalHost } from "./host/index";
import type { LogLevel, LogLine } from "./host/invoker";
import { startProgressReporter } from "./progress";

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

function settingsError(message: string): Error {
  const error = new Error(message);
  error.name = "SettingsError";
  return error;
}

/** LOG_LEVEL: `info` (default: endpoints, runs, progress, results, failures) or `verbose` (every invocation too). */
export function logLevelFrom(value: string | undefined): LogLevel {
  const level = (value ?? "").trim().toLowerCase();
  if (level === "" || level === "info") return "info";
  if (level === "verbose") return "verbose";
  throw settingsError(`LOG_LEVEL must be info or verbose, not "${value}"`);
}

/** The emulator's connection string stands in for the storage emulator shorthand, as Core Tools expects. */
function resolveStorage(value: string | undefined, emulatorConnection: string): string {
  if (!value || /UseDevelopmentStorage=true/i.test(value)) return emulatorConnection;
  return value;
}

async function main(): Promise<void> {
  const { settings, file } = resolveSettings(projectRoot, process.env);
  const level = logLevelFrom(process.env.LOG_LEVEL ?? settings.LOG_LEVEL);
  const port = portFrom("PORT", process.env.PORT, 7071);
  // The sample settings name 10000 and 10002 in their URLs: moving these means overriding those too.
  const blobPort = portFrom("EMULATOR_BLOB_PORT", process.env.EMULATOR_BLOB_PORT, 10000);
  const tablePort = portFrom("EMULATOR_TABLE_PORT", process.env.EMULATOR_TABLE_PORT, 10002);
  const armPort = portFrom("ARM_PORT", process.env.ARM_PORT, 10443);
  const log: LogLine = (line, lineLevel = "info") => {
    if (lineLevel === "verbose" && level !== "verbose") return;
    console.log(line);
  };
  log(
    `Settings from ${path.relative(projectRoot, file)} (environment variables override); LOG_LEVEL=${level}`,
  );
  const location = process.env.EMULATOR_LOCATION || path.join(projectRoot, ".azurite");
  mkdirSync(location, { recursive: true });
  const emulator = await startEmulator({
    location,
    blobPort,
    tablePort,
    log: (line) => log(`[emulator] ${line}`, "verbose"),
  });
  const storage = resolveStorage(settings.AzureWebJobsStorage, emulator.connectionString("devstoreaccount1"));
  settings.AzureWebJobsStorage = storage;
  const arm = await startArmStandIn({
    dataDir: location,
    port: armPort,
    blobEndpoint: emulator.blobEndpoint("devdiskaccount"),
    log: (line) => log(`[arm] ${line}`, "verbose"),
  }).catch(async (error: unknown) => {
    await emulator.stop();
    throw error;
  });
  useStandIn(settings, arm);
  let host: Awaited<ReturnType<typeof startLocalHost>> | undefined;
  let reporter: ReturnType<typeof startProgressReporter> | undefined;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      log("Forced exit.");
      process.exit(1);
    }
    stopping = true;
    reporter?.stop();
    log(`${signal}: stopping the function host, the Resource Manager stand-in and the storage emulator...`);
    await host?.stop();
    await arm.stop();
    await emulator.stop();
    log("Stopped.");
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
  const startedAt = Date.now();
  host = await startLocalHost({
    appRoot: projectRoot,
    port,
    settings,
    durableStore: { kind: "table", connectionString: storage },
    log,
  });
  log("");
  log(
    `Storage emulator: blob ${emulator.blobEndpoint("<account>")}, table ${emulator.tableEndpoint("<account>")}`,
  );
  log(`  accounts: ${emulator.accounts.map((a) => a.name).join(", ")}`);
  if (emulator.throttle)
    log(`  Azure-shaped limits (EMULATOR_THROTTLE): ${JSON.stringify(emulator.throttle)}`);
  log(`Resource Manager: ${arm.url} (stand-in: managed disks in resource group local-rg)`);
  log(`  certificate:    ${arm.certPath} (trusted for ARM_ENDPOINT only)`);
  log(`Function host:    ${host.baseUrl}/api/...`);
  log(`Durable webhooks: ${host.baseUrl}/runtime/webhooks/durabletask/instances/<id>`);
  log(`Data:             ${location}`);
  log(`Ready in ${process.uptime().toFixed(1)} s. Press Ctrl-C to stop.`);
  const running = host;
  reporter = startProgressReporter(
    () => running.instances(),
    (line) => log(line),
    { since: startedAt },
  );

  // --- After start: demo disk + first backup (local/demo.ts, written by the backup helper) ---------
  await runDemoIfPresent(settings, host.baseUrl, log, emulator.blobEndpoint("devdiskaccount"));
}

/**
 * Points the app at the stand-in: a loopback ARM_ENDPOINT (the sample's) becomes the stand-in's URL (its
 * port may be ARM_PORT's), and ARM_CA_CERT_FILE, when not set, its certificate. Another endpoint (a
 * real cloud) is left alone, and the app then never reads the certificate.
 */
export function useStandIn(settings: Record<string, string>, arm: { url: string; certPath: string }): void {
  const endpoint = settings.ARM_ENDPOINT?.trim();
  if (!endpoint) return;
  let host = "";
  try {
    host = new URL(endpoint).hostname;
  } catch {
    return; // the app reports the bad setting
  }
  if (!/^127\.\d+\.\d+\.\d+$/.test(host) && host !== "localhost") return;
  settings.ARM_ENDPOINT = arm.url;
  if (!settings.ARM_CA_CERT_FILE?.trim()) settings.ARM_CA_CERT_FILE = arm.certPath;
}

function portFrom(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === "") return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw settingsError(`${name} must be a port number (0-65535), not "${value}"`);
  }
  return port;
}

/** Loads local/demo.ts only if it exists, so this entry compiles and runs without it. */
async function runDemoIfPresent(
  settings: Record<string, string>,
  baseUrl: string,
  log: (line: string) => void,
  diskBlobEndpoint: string,
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
        diskBlobEndpoint?: string;
      }) => Promise<void>;
    };
    await demo.runDemo?.({ settings, baseUrl, log: (s) => log(`[demo] ${s}`), diskBlobEndpoint });
  } catch (error) {
    log(`[demo] failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** What to tell the user about a failed start: a bad setting or a busy port is theirs to fix, in one line. */
export function startFailureMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === "SettingsError") return error.message;
  const { code, port } = error as Error & { code?: string; port?: number };
  if (code === "EADDRINUSE") {
    return (
      `Port ${port ?? "?"} is in use: is another \`npm start\` or \`npm run emulator\` running? Stop it ` +
      "(PORT moves the function host, default 7071; EMULATOR_BLOB_PORT and EMULATOR_TABLE_PORT the storage " +
      "emulator, default 10000 and 10002, which the sample settings' URLs name; ARM_PORT the Resource " +
      "Manager stand-in, default 10443)."
    );
  }
  return error.stack ?? error.message;
}

if (require.main === module) {
  main().catch((error) => {
    console.error(startFailureMessage(error));
    process.exit(1);
  });
}

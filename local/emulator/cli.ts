// `npm run emulator`: runs the storage emulator alone until Ctrl-C, printing endpoints, accounts
// and connection strings. Flags: --blob-port, --table-port, --location <dir>, --stock-put-page,
// --diff-mode journal|compare, --lazy-saves, --throttle azure|off|<JSON> (env: EMULATOR_BLOB_PORT,
// EMULATOR_TABLE_PORT, EMULATOR_LOCATION, EMULATOR_THROTTLE).
import { parseArgs } from "node:util";
import { FAULTS_ENV, startEmulator, THROTTLE_ENV } from "./index";
import { parseThrottleSpec } from "./throttle";

function port(value: string | undefined, fallback: number): number {
  if (value === undefined || value === "") return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535) throw new Error(`invalid port ${value}`);
  return parsed;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      "blob-port": { type: "string" },
      "table-port": { type: "string" },
      location: { type: "string" },
      "stock-put-page": { type: "boolean", default: false },
      "diff-mode": { type: "string" },
      // Azurite's own 5-second saves instead of a save per acknowledged request: loses writes on a
      // kill; only there to measure what durability costs and to show the crash test failing.
      "lazy-saves": { type: "boolean", default: false },
      // The Azure-shaped limits: `azure` (the service's targets, 10 ms per request), `off`, or JSON fields.
      throttle: { type: "string" },
    },
  });
  const diffMode = values["diff-mode"] ?? "journal";
  if (diffMode !== "journal" && diffMode !== "compare")
    throw new Error("--diff-mode must be journal or compare");
  const location = values.location ?? process.env.EMULATOR_LOCATION;
  const throttleSpec = values.throttle ?? process.env[THROTTLE_ENV] ?? "";
  let throttle: ReturnType<typeof parseThrottleSpec>;
  try {
    throttle = parseThrottleSpec(throttleSpec);
  } catch (error) {
    throw new Error(
      `${values.throttle !== undefined ? "--throttle" : THROTTLE_ENV}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const emulator = await startEmulator({
    blobPort: port(values["blob-port"] ?? process.env.EMULATOR_BLOB_PORT, 10000),
    tablePort: port(values["table-port"] ?? process.env.EMULATOR_TABLE_PORT, 10002),
    location: location === "" ? undefined : location,
    fastPutPage: !values["stock-put-page"],
    durable: !values["lazy-saves"],
    diffMode,
    throttle: throttle ?? false,
    log: (line) => console.log(line),
  });
  const lines = [
    "Storage emulator (Azurite 3.37.0 + page-blob proxy) is ready.",
    `  blob:  http://${emulator.host}:${emulator.blobPort}/<account>`,
    `  table: http://${emulator.host}:${emulator.tablePort}/<account>`,
    `  data:  ${location ? `disk (${location}${values["lazy-saves"] ? ", lazy saves" : ""})` : "in memory"}; Put Page: ${values["stock-put-page"] ? "stock" : "fast"}; diff: ${diffMode}`,
    `  throttle: ${throttle ? `Azure-shaped ${JSON.stringify(throttle)}` : "off"}`,
    `  control: http://${emulator.host}:${emulator.blobPort}/__emulator/stats (faults via ${FAULTS_ENV} or PUT /__emulator/faults)`,
    "Accounts:",
  ];
  for (const account of emulator.accounts) {
    lines.push(`  ${account.name}  key ${account.key}`);
    lines.push(`    ${emulator.connectionString(account.name)}`);
  }
  lines.push("Press Ctrl-C to stop.");
  console.log(lines.join("\n"));

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping the storage emulator...`);
    emulator.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

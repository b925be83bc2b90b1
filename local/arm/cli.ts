// `node dist/local/arm/cli.js`: runs the Resource Manager stand-in alone (the storage emulator must
// already run) until Ctrl-C. Flags: --port (10443), --data-dir (EMULATOR_LOCATION or ./.azurite),
// --blob-endpoint (http://127.0.0.1:10000/devdiskaccount), --operation-delay-ms, --background-copy-ms.
import path from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_ARM_PORT, DEFAULT_DISK_BLOB_ENDPOINT, startArmStandIn } from "./index";

function integer(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === "") return fallback;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 0)
    throw new Error(`--${name} must be a whole number, not ${value}`);
  return parsed;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string" },
      "data-dir": { type: "string" },
      "blob-endpoint": { type: "string" },
      "operation-delay-ms": { type: "string" },
      "background-copy-ms": { type: "string" },
    },
  });
  const dataDir = values["data-dir"] ?? process.env.EMULATOR_LOCATION ?? path.resolve(".azurite");
  const standIn = await startArmStandIn({
    dataDir,
    port: integer("port", values.port, DEFAULT_ARM_PORT),
    blobEndpoint: values["blob-endpoint"] ?? DEFAULT_DISK_BLOB_ENDPOINT,
    operationDelayMs: integer("operation-delay-ms", values["operation-delay-ms"], 0),
    backgroundCopyMs: integer("background-copy-ms", values["background-copy-ms"], 10_000),
    log: (line) => console.log(line),
  });
  console.log(
    [
      `Resource Manager stand-in ready: ${standIn.url}`,
      `  certificate: ${standIn.certPath} (trust it for this endpoint only)`,
      `  state:       ${standIn.statePath}`,
      `  subscription ${standIn.subscriptionId}, resource group local-rg, location ${standIn.location}`,
      "Press Ctrl-C to stop.",
    ].join("\n"),
  );
  const stop = async () => {
    await standIn.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}

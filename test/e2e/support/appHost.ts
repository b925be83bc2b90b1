// The app (compiled dist/) in the local Functions runtime against the test emulator, with the settings
// every end-to-end suite shares; a suite names its task hub and containers and adds its own settings.
import { existsSync } from "node:fs";
import path from "node:path";
import { type RunningHost, startLocalHost } from "../../../local/host/index";
import { testEmulator, uniqueName } from "../../support/emulator";

const root = path.resolve(__dirname, "../../..");

export interface AppUnderTest {
  host: RunningHost;
  /** `http://127.0.0.1:<port>/api` */
  api: string;
  /** Every line the runtime logged, in order. */
  logs: string[];
}

export interface AppOptions {
  /** Task hub name (letters and digits). */
  hub: string;
  sourceContainer: string;
  backupContainer: string;
  /** Settings added to (or replacing) the shared ones. */
  settings?: Record<string, string>;
  /** Where the runtime's lines go (a suite's own array), or a new one. */
  logs?: string[];
}

export async function startApp(options: AppOptions): Promise<AppUnderTest> {
  if (!existsSync(path.join(root, "dist/src/functions/backupApi.js"))) {
    throw new Error("Build first: npm run build (dist/src/functions is missing)");
  }
  const emu = testEmulator();
  const logs = options.logs ?? [];
  const host = await startLocalHost({
    appRoot: root,
    port: 0,
    settings: {
      FUNCTIONS_WORKER_RUNTIME: "node",
      AzureWebJobsStorage: emu.connectionString("devstoreaccount1"),
      DURABLE_TASK_HUB_NAME: options.hub,
      BACKUP_SOURCES: `${emu.blobEndpoint("devstoreaccount1")}/${options.sourceContainer}`,
      BACKUP_TARGET: `${emu.blobEndpoint("devbackupaccount")}/${options.backupContainer}`,
      LINEAGE_TABLE: `${emu.tableEndpoint("devbackupaccount")}/${uniqueName(`${options.hub}lin`)}`,
      BACKUP_SCHEDULE: "0 0 0 1 1 *",
      STORAGE_ACCOUNT_KEYS: emu.storageAccountKeys,
      ...options.settings,
    },
    durableStore: { kind: "memory" },
    log: (line) => logs.push(line),
  });
  return { host, api: `${host.baseUrl}/api`, logs };
}

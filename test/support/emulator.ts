// Test access to the emulator started by test/globalSetup.ts: endpoints, credentials, SDK
// clients, the control client, and unique container/table names so test files run in parallel.
import { randomBytes } from "node:crypto";
import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import { EmulatorControl } from "../../local/emulator/control";
import { DEFAULT_ACCOUNTS } from "../../local/emulator/index";

export interface TestEmulator {
  blobPort: number;
  tablePort: number;
  blobEndpoint(account: string): string;
  tableEndpoint(account: string): string;
  control: EmulatorControl;
  credential(account: string): StorageSharedKeyCredential;
  blobService(account: string): BlobServiceClient;
  connectionString(account: string): string;
  /** The STORAGE_ACCOUNT_KEYS app-setting value ("account:key;account:key"). */
  storageAccountKeys: string;
}

function portFromEnv(name: string): number {
  const value = Number(process.env[name]);
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`${name} is not set: run tests through vitest (test/globalSetup.ts starts the emulator)`);
  }
  return value;
}

function keyOf(account: string): string {
  const found = DEFAULT_ACCOUNTS.find((a) => a.name === account);
  if (found === undefined) throw new Error(`unknown emulator account ${account}`);
  return found.key;
}

export function testEmulator(): TestEmulator {
  const blobPort = portFromEnv("TEST_BLOB_PORT");
  const tablePort = portFromEnv("TEST_TABLE_PORT");
  const blobEndpoint = (account: string) => `http://127.0.0.1:${blobPort}/${account}`;
  const tableEndpoint = (account: string) => `http://127.0.0.1:${tablePort}/${account}`;
  const credential = (account: string) => new StorageSharedKeyCredential(account, keyOf(account));
  return {
    blobPort,
    tablePort,
    blobEndpoint,
    tableEndpoint,
    control: new EmulatorControl(`http://127.0.0.1:${blobPort}`),
    credential,
    blobService: (account) => new BlobServiceClient(blobEndpoint(account), credential(account)),
    connectionString: (account) =>
      `DefaultEndpointsProtocol=http;AccountName=${account};AccountKey=${keyOf(account)};` +
      `BlobEndpoint=${blobEndpoint(account)};TableEndpoint=${tableEndpoint(account)};`,
    storageAccountKeys: DEFAULT_ACCOUNTS.map((a) => `${a.name}:${a.key}`).join(";"),
  };
}

/** A lowercase name valid for both containers and tables (letters and digits, starts with a letter). */
export function uniqueName(prefix: string): string {
  const clean = prefix.toLowerCase().replace(/[^a-z0-9]/g, "");
  const head = /^[a-z]/.test(clean) ? clean : `t${clean}`;
  const suffix = `${Date.now().toString(36)}${randomBytes(4).toString("hex")}`;
  return `${head.slice(0, 63 - suffix.length)}${suffix}`;
}

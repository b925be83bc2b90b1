// Starts Azurite 3.37's blob and table servers in-process (deep imports, so no telemetry is ever
// initialised) with per-instance accounts, memory store and fast Put Page switch.
import type { IncomingMessage } from "node:http";
import Module from "node:module";
import { dirname, join } from "node:path";
import type { CommitStats } from "./durability";
import { makeBlobServerDurable, makeTableServerDurable } from "./durableStores";
import { keepExtentFilesOpen } from "./extentFiles";
import { type PutPageMode, runWithPutPageMode } from "./fastPutPage";
import { keepCopiesIndependent } from "./independentCopies";
import { cacheRequestParsing } from "./requestParsing";
import { allowSasPutPageFromUrl } from "./sasPermissions";

export interface AzuriteAccount {
  name: string;
  key: string;
}

interface AccountStore {
  accounts: unknown;
  refresh(): void;
  parserAccountsEnvironmentString(value: string): unknown;
}

interface AzuriteServerInstance {
  start(): Promise<void>;
  close(): Promise<void>;
  clean(): Promise<void>;
  getHttpServerAddress(): string;
  httpServer: import("node:http").Server;
  accountDataStore: AccountStore;
}

type ServerCtor = new (config: unknown) => AzuriteServerInstance;
type ConfigCtor = new (...args: unknown[]) => unknown;

interface DefaultExport<T> {
  default: T;
}

// Azurite's telemetry module requires applicationinsights (and with it about 2,700 OpenTelemetry
// modules, 3-4 s of a 2-core machine's start) when it is loaded, although telemetry is only sent once
// initialised, which an in-process start never does. An empty module stands in for it.
function stubTelemetryLibrary(): void {
  const azuriteDir = dirname(require.resolve("azurite/package.json"));
  const resolved = require.resolve("applicationinsights", { paths: [azuriteDir] });
  if (require.cache[resolved] !== undefined) return;
  const stub = new Module(resolved);
  stub.filename = resolved;
  stub.loaded = true;
  stub.exports = {};
  require.cache[resolved] = stub;
}

function load<T>(path: string): T {
  stubTelemetryLibrary();
  cacheRequestParsing();
  // Deep imports are not a public API of the azurite package; they are pinned with azurite 3.37.0.
  return (require(path) as DefaultExport<T>).default;
}

export interface AzuriteInstance {
  blobPort: number;
  tablePort: number;
  /** Save counters of the blob and table stores (disk mode with durability only). */
  commitStats?: { blob: CommitStats; table: CommitStats };
  stop(): Promise<void>;
}

export interface AzuriteStartOptions {
  host: string;
  blobPort: number;
  tablePort: number;
  accounts: AzuriteAccount[];
  location?: string;
  fastPutPage: boolean;
  /** With fastPutPage: false leaves x-ms-content-crc64 out of Put Page answers (to measure the CRC's cost). */
  putPageCrc?: boolean;
  /**
   * Disk mode only: answer a request only once its changes are saved (default true). false keeps
   * Azurite's own 5-second save timer, which loses acknowledged writes on a kill (for measurements).
   */
  durable?: boolean;
}

/** The AZURITE_ACCOUNTS format ("name:key;name:key"), parsed by Azurite's own parser. */
export function azuriteAccountsString(accounts: AzuriteAccount[]): string {
  return accounts.map((a) => `${a.name}:${a.key}`).join(";");
}

// Azurite reads the accounts from process.env.AZURITE_ACCOUNTS on every refresh; binding the
// value per instance lets several emulators with different accounts share one process.
function bindAccounts(server: AzuriteServerInstance, accounts: AzuriteAccount[]): void {
  const store = server.accountDataStore;
  const value = azuriteAccountsString(accounts);
  store.refresh = function refresh(this: AccountStore): void {
    this.accounts = this.parserAccountsEnvironmentString(value);
  };
}

function wrapRequestListener(server: AzuriteServerInstance, putPageMode: PutPageMode): void {
  const listeners = server.httpServer.listeners("request") as ((...args: unknown[]) => void)[];
  server.httpServer.removeAllListeners("request");
  for (const listener of listeners) {
    server.httpServer.on("request", (...args: unknown[]) =>
      runWithPutPageMode(putPageMode, args[0] as IncomingMessage, () => listener(...args)),
    );
  }
}

function portOf(server: AzuriteServerInstance): number {
  const address = server.httpServer.address();
  if (address === null || typeof address === "string") throw new Error("Azurite is not listening");
  return address.port;
}

function createBlobServer(options: AzuriteStartOptions): AzuriteServerInstance {
  stubTelemetryLibrary();
  cacheRequestParsing();
  keepExtentFilesOpen();
  keepCopiesIndependent();
  allowSasPutPageFromUrl();
  const BlobConfiguration = load<ConfigCtor>("azurite/dist/src/blob/BlobConfiguration");
  const BlobServer = load<ServerCtor>("azurite/dist/src/blob/BlobServer");
  const memory = require("azurite/dist/src/common/persistence/MemoryExtentStore") as {
    MemoryExtentChunkStore: new (limit: number) => unknown;
    DEFAULT_EXTENT_MEMORY_LIMIT: number;
  };
  const loc = options.location;
  const inMemory = loc === undefined;
  const config = new BlobConfiguration(
    options.host,
    options.blobPort,
    // keep-alive timeout (s); the proxy reuses connections
    60,
    inMemory ? "__azurite_db_blob__.json" : join(loc, "__azurite_db_blob__.json"),
    inMemory ? "__azurite_db_blob_extent__.json" : join(loc, "__azurite_db_blob_extent__.json"),
    [
      {
        locationId: "Default",
        locationPath: inMemory ? "__blobstorage__" : join(loc, "__blobstorage__"),
        maxConcurrency: 50,
      },
    ],
    false, // access log
    undefined,
    false, // debug log
    undefined,
    false, // loose
    false, // skipApiVersionCheck
    "",
    "",
    "",
    undefined,
    false, // disableProductStyleUrl
    inMemory,
    // A private chunk store per instance: the shared default would mix (and clear) the data of
    // several emulators in one process.
    inMemory ? new memory.MemoryExtentChunkStore(memory.DEFAULT_EXTENT_MEMORY_LIMIT) : undefined,
  );
  return new BlobServer(config);
}

function createTableServer(options: AzuriteStartOptions): AzuriteServerInstance {
  const TableConfiguration = load<ConfigCtor>("azurite/dist/src/table/TableConfiguration");
  const TableServer = load<ServerCtor>("azurite/dist/src/table/TableServer");
  const loc = options.location;
  const config = new TableConfiguration(
    options.host,
    options.tablePort,
    60,
    loc === undefined ? "__azurite_db_table__.json" : join(loc, "__azurite_db_table__.json"),
    false, // debug log
    false, // access log
    undefined,
    undefined,
    false, // loose
    false, // skipApiVersionCheck
    "",
    "",
    "",
    undefined,
    false,
    loc === undefined,
  );
  return new TableServer(config);
}

export async function startAzurite(options: AzuriteStartOptions): Promise<AzuriteInstance> {
  const blob = createBlobServer(options);
  const table = createTableServer(options);
  bindAccounts(blob, options.accounts);
  bindAccounts(table, options.accounts);
  wrapRequestListener(
    blob,
    !options.fastPutPage ? "stock" : options.putPageCrc === false ? "no-crc" : "fast",
  );
  const commitStats =
    options.location !== undefined && options.durable !== false
      ? { blob: makeBlobServerDurable(blob).stats, table: makeTableServerDurable(table).stats }
      : undefined;
  await blob.start();
  try {
    await table.start();
  } catch (error) {
    await blob.close();
    throw error;
  }
  const stop = async (): Promise<void> => {
    await Promise.allSettled([blob.close(), table.close()]);
    if (options.location === undefined) await Promise.allSettled([blob.clean(), table.clean()]);
  };
  return { blobPort: portOf(blob), tablePort: portOf(table), commitStats, stop };
}

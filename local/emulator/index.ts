// Public entry of the local storage emulator: Azurite 3.37 in-process behind a gap-filling
// proxy on the blob port (diffs, paging, Put Page From URL, deep copies, limits, faults, stats).
import { Agent, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { startAzurite } from "./azurite";
import type { CommitStats } from "./durability";
import { FaultInjector, type FaultRule, validateFaultRules } from "./faults";
import { createFeatures } from "./features";
import { createProxyServer } from "./proxy/server";
import { StatsRegistry } from "./stats";
import { parseThrottleSpec, THROTTLE_ENV, Throttle, type ThrottleProfile } from "./throttle";

export { EmulatorControl } from "./control";
export type { FaultRule } from "./faults";
export type { EmulatorStats, OperationStats } from "./stats";
export { AZURE_PROFILE, THROTTLE_ENV, type ThrottleProfile } from "./throttle";

export const WELL_KNOWN_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface EmulatorAccount {
  name: string;
  key: string;
}

export const DEFAULT_ACCOUNTS: EmulatorAccount[] = [
  { name: "devstoreaccount1", key: WELL_KNOWN_KEY },
  { name: "devbackupaccount", key: WELL_KNOWN_KEY },
  // Managed disks' contents for the Resource Manager stand-in (local/arm).
  { name: "devdiskaccount", key: WELL_KNOWN_KEY },
  // A premium account: its page blobs have the service's snapshot limits (local/emulator/premium.ts).
  { name: "devpremiumaccount", key: WELL_KNOWN_KEY },
];

/** Environment variable with `{ "rules": FaultRule[], "seed"?: number }` used when no faults option is given. */
export const FAULTS_ENV = "EMULATOR_FAULTS";

export interface EmulatorOptions {
  host?: string;
  blobPort?: number;
  tablePort?: number;
  accounts?: EmulatorAccount[];
  /** Disk mode: Azurite's files go here (default: in memory). */
  location?: string;
  /**
   * Disk mode: every acknowledged request's changes are saved before its response (default true);
   * false keeps Azurite's 5-second save timer (a kill loses recent acknowledged writes).
   */
  durable?: boolean;
  faults?: FaultRule[];
  faultSeed?: number;
  /** Put Page with a sliced CRC-64 instead of Azurite's byte-at-a-time one (default true). */
  fastPutPage?: boolean;
  /** false: fast Put Page answers without x-ms-content-crc64 (only to measure what the CRC costs). */
  putPageCrc?: boolean;
  /** Diff strategy: "journal" (default; service semantics, compare as fallback) or "compare" (always compare). */
  diffMode?: "journal" | "compare";
  /**
   * The Azure-shaped throttle profile (per-request latency, per-blob and per-account targets, 503 beyond);
   * `false`: off; undefined: from EMULATOR_THROTTLE (`azure`, `off` or JSON), off when unset.
   */
  throttle?: ThrottleProfile | false;
  log?: (line: string) => void;
}

export interface RunningEmulator {
  host: string;
  blobPort: number;
  tablePort: number;
  accounts: EmulatorAccount[];
  blobEndpoint(account: string): string;
  tableEndpoint(account: string): string;
  connectionString(account: string): string;
  /** Azurite's own blob port behind the proxy (for tests that must bypass the emulator's layer). */
  azuriteBlobPort: number;
  /** The throttle profile in force at start (the control API may change it), or undefined. */
  throttle: ThrottleProfile | undefined;
  /** Save counters of the blob and table stores (disk mode with durability only). */
  commitStats?: { blob: CommitStats; table: CommitStats };
  stop(): Promise<void>;
}

function faultsFromEnv(): { rules: FaultRule[]; seed?: number } {
  const raw = process.env[FAULTS_ENV];
  if (raw === undefined || raw.trim() === "") return { rules: [] };
  try {
    const parsed = JSON.parse(raw) as { rules?: unknown; seed?: number };
    return { rules: validateFaultRules(parsed.rules ?? []), seed: parsed.seed };
  } catch (error) {
    // Named after the variable, so `npm start` prints it as a bad setting, not a stack trace.
    const named = new Error(`${FAULTS_ENV}: ${error instanceof Error ? error.message : String(error)}`);
    named.name = "SettingsError";
    throw named;
  }
}

function throttleFromEnv(): ThrottleProfile | undefined {
  try {
    return parseThrottleSpec(process.env[THROTTLE_ENV] ?? "");
  } catch (error) {
    const named = new Error(`${THROTTLE_ENV}: ${error instanceof Error ? error.message : String(error)}`);
    named.name = "SettingsError";
    throw named;
  }
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function loopbackHost(host: string): string {
  // The emulator has well-known keys and no TLS: it must never listen beyond this machine.
  if (!/^127\.\d+\.\d+\.\d+$/.test(host) && host !== "::1" && host !== "localhost") {
    throw new Error(`emulator host must be a loopback address, not ${host}`);
  }
  return host;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const host = loopbackHost(options.host ?? "127.0.0.1");
  const accounts = options.accounts ?? DEFAULT_ACCOUNTS;
  const log = options.log ?? (() => {});
  // Settings first: a bad EMULATOR_THROTTLE stops the start before anything listens.
  const throttle = new Throttle(
    options.throttle === undefined ? throttleFromEnv() : options.throttle || undefined,
  );
  const azurite = await startAzurite({
    host,
    blobPort: 0,
    tablePort: options.tablePort ?? 10002,
    accounts,
    location: options.location,
    durable: options.durable,
    fastPutPage: options.fastPutPage ?? true,
    putPageCrc: options.putPageCrc,
  });
  const envFaults = options.faults === undefined ? faultsFromEnv() : { rules: options.faults };
  const faults = new FaultInjector(envFaults.rules, options.faultSeed ?? envFaults.seed);
  const stats = new StatsRegistry();
  const features = createFeatures({
    accounts,
    diffMode: options.diffMode ?? "journal",
    log,
    faults,
    throttle,
  });
  const upstream = { host, port: azurite.blobPort, agent: new Agent({ keepAlive: true, maxSockets: 64 }) };
  const proxy = createProxyServer({
    upstream,
    stats,
    faults,
    throttle,
    handlers: features.handlers,
    controlExtra: features.control,
    log,
  });
  let blobPort: number;
  try {
    blobPort = await listen(proxy, options.blobPort ?? 10000, host);
  } catch (error) {
    await azurite.stop();
    throw error;
  }
  const tablePort = azurite.tablePort;
  const localHosts = [`${host}:${blobPort}`, `${host}:${azurite.blobPort}`, `localhost:${blobPort}`];
  features.attach(upstream, localHosts);
  throttle.attach(() => localHosts);
  const keyOf = (name: string): string => {
    const account = accounts.find((a) => a.name === name);
    if (account === undefined) throw new Error(`unknown emulator account ${name}`);
    return account.key;
  };
  const blobEndpoint = (account: string) => `http://${host}:${blobPort}/${account}`;
  const tableEndpoint = (account: string) => `http://${host}:${tablePort}/${account}`;
  log(
    `storage emulator ready: blob ${host}:${blobPort} (Azurite ${azurite.blobPort}), table ${host}:${tablePort}` +
      (throttle.current ? `; throttle profile ${JSON.stringify(throttle.current)}` : ""),
  );
  return {
    host,
    blobPort,
    tablePort,
    accounts,
    blobEndpoint,
    tableEndpoint,
    azuriteBlobPort: azurite.blobPort,
    throttle: throttle.current,
    commitStats: azurite.commitStats,
    connectionString: (account) =>
      `DefaultEndpointsProtocol=http;AccountName=${account};AccountKey=${keyOf(account)};` +
      `BlobEndpoint=${blobEndpoint(account)};TableEndpoint=${tableEndpoint(account)};`,
    stop: async () => {
      await closeServer(proxy);
      await azurite.stop();
    },
  };
}

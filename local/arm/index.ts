// Public entry of the local Resource Manager stand-in for the compute disk API (disks, snapshots,
// grant/revoke access, disk operations) over HTTPS, with disk contents in the storage emulator.
import type { AddressInfo } from "node:net";
import path from "node:path";
import { WELL_KNOWN_KEY } from "../emulator/index";
import { pruneExpiredGrants, syncPolicies } from "./access";
import { loadOrCreateCertificate } from "./cert";
import { type Reply, SERVICE_LIMITS, type StandInContext, type StandInLimits } from "./context";
import { createControl } from "./control";
import { type FaultRule, Faults } from "./faults";
import { Operations } from "./operations";
import { createStandInServer } from "./server";
import { StateStore } from "./state";
import { DISK_CONTAINER, DiskStorage, FULL_SNAPSHOT_CONTAINER } from "./storage";

export type { StandInLimits } from "./context";
export { SERVICE_LIMITS } from "./context";
export type { FaultRule } from "./faults";
export { API_VERSION } from "./operations";
export { fixedVhdFooter } from "./vhd";

export const DEFAULT_SUBSCRIPTION_ID = "00000000-0000-0000-0000-000000000000";
export const DEFAULT_RESOURCE_GROUP = "local-rg";
export const DEFAULT_LOCATION = "local";
export const DEFAULT_ARM_PORT = 10443;
export const DEFAULT_DISK_BLOB_ENDPOINT = "http://127.0.0.1:10000/devdiskaccount";

export interface ArmStandInOptions {
  /** The storage emulator's data folder; the stand-in keeps its certificate and state in `<dataDir>/arm`. */
  dataDir: string;
  /** Loopback address to listen on (default 127.0.0.1). */
  host?: string;
  /** HTTPS port (default 10443; 0 = a free port). */
  port?: number;
  /** Blob endpoint of the account holding disk contents (default http://127.0.0.1:10000/devdiskaccount). */
  blobEndpoint?: string;
  /** That account's key (default: the well-known emulator key). */
  accountKey?: string;
  /**
   * Containers for disk blobs (default "disks": blob `<resourceGroup>/<diskName>`) and full-snapshot
   * copies (default "snapshots"). The stand-in owns their stored access policies: one stand-in per pair.
   */
  containers?: { disks?: string; snapshots?: string };
  subscriptionId?: string;
  location?: string;
  /** Resource groups that exist from the start (default ["local-rg"]). */
  resourceGroups?: string[];
  /** How long each long-running operation reports InProgress (default 0: done at the first poll). */
  operationDelayMs?: number;
  /** Background copy time of snapshots of PremiumV2_LRS / UltraSSD_LRS disks (default 10 s). */
  backgroundCopyMs?: number;
  /** Overrides of the service's limits (tests shrink the window). */
  limits?: Partial<StandInLimits>;
  log?: (line: string) => void;
}

export interface RunningArmStandIn {
  /** https://host:port — the ARM endpoint to give the SDK. */
  url: string;
  host: string;
  port: number;
  /** The self-signed certificate to trust for this endpoint only (SDK option `tlsOptions: { ca }`). */
  caCertPem: string;
  certPath: string;
  statePath: string;
  subscriptionId: string;
  location: string;
  /** Plays a VM attaching (`managedBy` = its resource ID) or detaching (undefined) a disk. */
  setAttachment(diskId: string, managedBy: string | undefined): Promise<void>;
  /** Requests served per operation (e.g. "snapshots.beginGetAccess"), for benchmarks. */
  stats(): Record<string, number>;
  /** Replaces the injected faults (same as PUT /__armstandin/faults). */
  setFaults(rules: FaultRule[]): void;
  stop(): Promise<void>;
}

function loopbackHost(host: string): string {
  // Any bearer token is accepted: the stand-in must never listen beyond this machine.
  if (!/^127\.\d+\.\d+\.\d+$/.test(host) && host !== "::1" && host !== "localhost") {
    throw new Error(`ARM stand-in host must be a loopback address, not ${host}`);
  }
  return host;
}

/** Starts the stand-in; resolves once it listens (state loaded, policies reconciled). */
export async function startArmStandIn(options: ArmStandInOptions): Promise<RunningArmStandIn> {
  const host = loopbackHost(options.host ?? "127.0.0.1");
  const log = options.log ?? (() => {});
  const dir = path.join(options.dataDir, "arm");
  const cert = await loadOrCreateCertificate(dir, host);
  const store = new StateStore(dir);
  const scope = { subscriptionId: options.subscriptionId ?? DEFAULT_SUBSCRIPTION_ID };
  const location = options.location ?? DEFAULT_LOCATION;
  let baseUrl = "";
  const ctx: StandInContext = {
    scope,
    location,
    store,
    storage: new DiskStorage(
      options.blobEndpoint ?? DEFAULT_DISK_BLOB_ENDPOINT,
      options.accountKey ?? WELL_KNOWN_KEY,
      options.containers?.disks ?? DISK_CONTAINER,
      options.containers?.snapshots ?? FULL_SNAPSHOT_CONTAINER,
    ),
    ops: new Operations(() => store.state, {
      baseUrl: () => baseUrl,
      subscriptionId: scope.subscriptionId,
      location,
      delayMs: options.operationDelayMs ?? 0,
    }),
    limits: { ...SERVICE_LIMITS, ...options.limits },
    backgroundCopyMs: options.backgroundCopyMs ?? 10_000,
    operationDelayMs: options.operationDelayMs ?? 0,
    log,
  };
  await store.exclusive(async () => {
    for (const name of options.resourceGroups ?? [DEFAULT_RESOURCE_GROUP]) {
      store.state.resourceGroups[name.toLowerCase()] ??= { name, location };
    }
    await ctx.storage.init().catch((error: unknown) => {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(
        `ARM stand-in: cannot prepare containers at ${ctx.storage.blobEndpoint} (is the storage emulator running, with account ${ctx.storage.account}?): ${reason}`,
      );
    });
    // Policies follow the saved grants: one left by a crash between the two is removed here.
    pruneExpiredGrants(ctx);
    await syncPolicies(ctx, ctx.storage.diskContainer);
    await syncPolicies(ctx, ctx.storage.snapshotContainer);
  });
  const counts = new Map<string, number>();
  const faults = new Faults();
  const control = createControl(
    ctx,
    () => Object.fromEntries(counts),
    () => counts.clear(),
    faults,
  );
  const server = createStandInServer({
    ctx,
    certPem: cert.certPem,
    keyPem: cert.keyPem,
    control: (method, urlPath, body): Promise<Reply | undefined> => control.handle(method, urlPath, body),
    count: (name) => counts.set(name, (counts.get(name) ?? 0) + 1),
    fault: (name) => faults.take(name),
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? DEFAULT_ARM_PORT, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
  baseUrl = `https://${host.includes(":") ? `[${host}]` : host}:${port}`;
  log(`Resource Manager stand-in: ${baseUrl} (certificate ${cert.certPath}${cert.generated ? ", new" : ""})`);
  return {
    url: baseUrl,
    host,
    port,
    caCertPem: cert.certPem,
    certPath: cert.certPath,
    statePath: store.file,
    subscriptionId: scope.subscriptionId,
    location,
    setAttachment: (diskId, managedBy) => control.setAttachment(diskId, managedBy),
    stats: () => Object.fromEntries(counts),
    setFaults: (rules) => faults.set(rules),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// Test access to a Resource Manager stand-in: one per test file (own data folder, own containers
// in the shared storage emulator), the real @azure/arm-compute client trusting only its certificate.
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";
import { ComputeManagementClient } from "@azure/arm-compute";
import type { AccessToken, TokenCredential } from "@azure/identity";
import { PageBlobClient } from "@azure/storage-blob";
import { type ArmStandInOptions, type RunningArmStandIn, startArmStandIn } from "../../local/arm/index";
import { testEmulator, uniqueName } from "../support/emulator";

export const DISK_ACCOUNT = "devdiskaccount";
export const GIB = 1024 ** 3;
/** Poll fast: the SDK's default is 2 s between polls. */
export const POLL = { updateIntervalInMs: 20 };

/** Any token will do: the stand-in accepts every bearer token. */
export const staticCredential: TokenCredential = {
  getToken: async (): Promise<AccessToken> => ({
    token: "local-token",
    expiresOnTimestamp: Date.now() + 3600_000,
  }),
};

export interface StandInHarness {
  standIn: RunningArmStandIn;
  client: ComputeManagementClient;
  /** A client that never retries (to see 429s and other errors as they come). */
  noRetryClient: ComputeManagementClient;
  dataDir: string;
  resourceGroup: string;
  options: ArmStandInOptions;
  containers: { disks: string; snapshots: string };
  diskId(name: string): string;
  /** The disk's blob, written with the account key: plays a VM writing its disk. */
  diskBlob(name: string): PageBlobClient;
  restart(extra?: Partial<ArmStandInOptions>): Promise<void>;
  close(): Promise<void>;
}

export function computeClient(standIn: RunningArmStandIn, maxRetries?: number): ComputeManagementClient {
  return new ComputeManagementClient(staticCredential, standIn.subscriptionId, {
    endpoint: standIn.url,
    tlsOptions: { ca: standIn.caCertPem },
    ...(maxRetries === undefined ? {} : { retryOptions: { maxRetries } }),
  });
}

export async function startHarness(extra: Partial<ArmStandInOptions> = {}): Promise<StandInHarness> {
  const emulator = testEmulator();
  const dataDir = mkdtempSync(path.join(tmpdir(), "arm-standin-"));
  const resourceGroup = uniqueName("rg");
  const containers = { disks: uniqueName("disks"), snapshots: uniqueName("snaps") };
  const options: ArmStandInOptions = {
    dataDir,
    port: 0,
    blobEndpoint: emulator.blobEndpoint(DISK_ACCOUNT),
    resourceGroups: ["local-rg", resourceGroup],
    containers,
    ...extra,
  };
  const harness: StandInHarness = {
    standIn: await startArmStandIn(options),
    client: undefined as unknown as ComputeManagementClient,
    noRetryClient: undefined as unknown as ComputeManagementClient,
    dataDir,
    resourceGroup,
    options,
    containers,
    diskId: (name) =>
      `/subscriptions/${harness.standIn.subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Compute/disks/${name}`,
    diskBlob: (name) =>
      new PageBlobClient(
        `${emulator.blobEndpoint(DISK_ACCOUNT)}/${containers.disks}/${resourceGroup}/${name}`,
        emulator.credential(DISK_ACCOUNT),
      ),
    restart: async (more = {}) => {
      await harness.standIn.stop();
      Object.assign(harness.options, more);
      harness.standIn = await startArmStandIn(harness.options);
      harness.client = computeClient(harness.standIn);
      harness.noRetryClient = computeClient(harness.standIn, 0);
    },
    close: async () => {
      await harness.standIn.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  harness.client = computeClient(harness.standIn);
  harness.noRetryClient = computeClient(harness.standIn, 0);
  return harness;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: { error?: { code?: string; message?: string } } & Record<string, unknown>;
}

/** A request without the SDK (for what the SDK never sends: no token, wrong api-version). */
export function rawRequest(
  standIn: RunningArmStandIn,
  method: string,
  pathAndQuery: string,
  options: { token?: string | null; body?: unknown } = {},
): Promise<RawResponse> {
  const text = options.body === undefined ? undefined : JSON.stringify(options.body);
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (options.token !== null) headers.authorization = `Bearer ${options.token ?? "t"}`;
  return new Promise((resolve, reject) => {
    const req = request(
      `${standIn.url}${pathAndQuery}`,
      { method, headers, ca: standIn.caCertPem },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const body = Buffer.concat(chunks).toString("utf8");
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            json: body === "" ? {} : JSON.parse(body),
          });
        });
      },
    );
    req.on("error", reject);
    req.end(text);
  });
}

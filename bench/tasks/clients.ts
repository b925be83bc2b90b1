// Plain SDK clients for the benchmark tasks (the minimal client loops and the naive scripts), addressed
// by account, container and blob on the emulator's endpoints.
import {
  BlobSASPermissions,
  BlobServiceClient,
  generateBlobSASQueryParameters,
  type PageBlobClient,
  StorageSharedKeyCredential,
} from "@azure/storage-blob";
import type { Endpoints } from "../protocol";

export interface BlobRef {
  account: string;
  container: string;
  blob: string;
  snapshot?: string | undefined;
}

export function isBlobRef(value: unknown): value is BlobRef {
  const v = value as Partial<BlobRef> | undefined;
  return typeof v?.account === "string" && typeof v.container === "string" && typeof v.blob === "string";
}

export function blobRefParam(params: Record<string, unknown>, name: string): BlobRef {
  const value = params[name];
  if (!isBlobRef(value)) throw new Error(`parameter ${name} is not a blob reference`);
  return value;
}

export function numberParam(params: Record<string, unknown>, name: string): number {
  const value = params[name];
  if (typeof value !== "number" || !Number.isFinite(value))
    throw new Error(`parameter ${name} is not a number`);
  return value;
}

export function stringParam(params: Record<string, unknown>, name: string): string {
  const value = params[name];
  if (typeof value !== "string") throw new Error(`parameter ${name} is not a string`);
  return value;
}

function credential(endpoints: Endpoints, account: string): StorageSharedKeyCredential {
  const key = endpoints.accountKeys[account];
  if (key === undefined) throw new Error(`no key for account ${account}`);
  return new StorageSharedKeyCredential(account, key);
}

/** A page blob client with the SDK's default retries and keep-alive. */
export function pageBlob(endpoints: Endpoints, ref: BlobRef): PageBlobClient {
  const url = endpoints.blob[ref.account];
  if (url === undefined) throw new Error(`no endpoint for account ${ref.account}`);
  const service = new BlobServiceClient(url, credential(endpoints, ref.account), {
    keepAliveOptions: { enable: true },
  });
  const client = service.getContainerClient(ref.container).getPageBlobClient(ref.blob);
  return ref.snapshot ? client.withSnapshot(ref.snapshot) : client;
}

/** A read SAS URL of the blob (or its snapshot), as a copy source. */
export function readSasUrl(endpoints: Endpoints, ref: BlobRef): string {
  const client = pageBlob(endpoints, ref);
  const sas = generateBlobSASQueryParameters(
    {
      containerName: ref.container,
      blobName: ref.blob,
      snapshotTime: ref.snapshot,
      permissions: BlobSASPermissions.parse("r"),
      startsOn: new Date(Date.now() - 5 * 60_000),
      expiresOn: new Date(Date.now() + 2 * 60 * 60_000),
    },
    credential(endpoints, ref.account),
  ).toString();
  return `${client.url}${client.url.includes("?") ? "&" : "?"}${sas}`;
}

/** Runs `worker(i)` for i in [0, count) with at most `concurrency` in flight. */
export async function pool(count: number, concurrency: number, worker: (i: number) => Promise<void>) {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) await worker(next++);
  });
  await Promise.all(lanes);
}

export function seconds(startNs: bigint): number {
  return Number(process.hrtime.bigint() - startNs) / 1e9;
}

// Storage clients for the app: one place that builds blob and table clients with the right credential,
// and with either the SDK's retries (control calls) or none (the copy engine retries and paces itself).
import type { TokenCredential } from "@azure/core-auth";
import { TableClient } from "@azure/data-tables";
import {
  BlobServiceClient,
  type ContainerClient,
  type PageBlobClient,
  type StoragePipelineOptions,
} from "@azure/storage-blob";
import { type AccountCredential, CredentialProvider } from "./credentials";
import type { BlobLocation, TableLocation } from "./urls";

export interface RetryPolicyOptions {
  maxTries: number;
  retryDelayInMs: number;
  maxRetryDelayInMs: number;
}

/** SDK retries for control-plane-like calls (properties, snapshots, listing, leases). */
export const DEFAULT_SDK_RETRY: RetryPolicyOptions = {
  maxTries: 4,
  retryDelayInMs: 800,
  maxRetryDelayInMs: 30_000,
};

export type RetryMode = "sdk" | "none";

export interface StorageAccessOptions {
  accountKeys: Record<string, string>;
  azureClientId?: string | undefined;
  tokenCredential?: TokenCredential;
  sdkRetry?: RetryPolicyOptions;
}

/** Builds (and caches) clients for any account the app touches, sources and backups alike. */
export class StorageAccess {
  readonly credentials: CredentialProvider;
  private readonly sdkRetry: RetryPolicyOptions;
  private readonly services = new Map<string, BlobServiceClient>();

  constructor(options: StorageAccessOptions) {
    this.credentials = new CredentialProvider(options);
    this.sdkRetry = options.sdkRetry ?? DEFAULT_SDK_RETRY;
  }

  credentialFor(accountName: string): AccountCredential {
    return this.credentials.forAccount(accountName);
  }

  blobService(
    location: Pick<BlobLocation, "serviceUrl" | "accountName">,
    retry: RetryMode = "sdk",
  ): BlobServiceClient {
    const key = `${retry} ${location.serviceUrl}`;
    const cached = this.services.get(key);
    if (cached) return cached;
    const credential = this.credentialFor(location.accountName);
    const options: StoragePipelineOptions = {
      retryOptions: retry === "sdk" ? this.sdkRetry : { maxTries: 1 },
      keepAliveOptions: { enable: true },
    };
    const service = new BlobServiceClient(
      location.serviceUrl,
      credential.kind === "sharedKey" ? credential.blob : credential.token,
      options,
    );
    this.services.set(key, service);
    return service;
  }

  container(location: BlobLocation, retry: RetryMode = "sdk"): ContainerClient {
    return this.blobService(location, retry).getContainerClient(location.containerName);
  }

  /** A page blob client, optionally bound to a snapshot. */
  pageBlob(
    location: BlobLocation,
    options: { snapshot?: string | undefined; retry?: RetryMode } = {},
  ): PageBlobClient {
    if (location.blobName === undefined) throw new Error(`${location.url} names a container, not a blob`);
    const client = this.container(location, options.retry ?? "sdk")
      .getBlobClient(location.blobName)
      .getPageBlobClient();
    return options.snapshot ? client.withSnapshot(options.snapshot) : client;
  }

  table(location: TableLocation): TableClient {
    const credential = this.credentialFor(location.accountName);
    const allowInsecureConnection = location.serviceUrl.startsWith("http:");
    return credential.kind === "sharedKey"
      ? new TableClient(location.serviceUrl, location.tableName, credential.table, {
          allowInsecureConnection,
        })
      : new TableClient(location.serviceUrl, location.tableName, credential.token, {
          allowInsecureConnection,
        });
  }
}

// Storage clients for the app: one place that builds blob and table clients with the right credential,
// and with either the SDK's retries (control calls) or none (the copy engine retries and paces itself).
// It builds them only for the configured storage endpoints, and checks the URL the SDK will request, so
// no credential or SAS ever goes to another host, account or container.
import type { TokenCredential } from "@azure/core-auth";
import { TableClient } from "@azure/data-tables";
import {
  BlobServiceClient,
  type ContainerClient,
  type PageBlobClient,
  type StoragePipelineOptions,
} from "@azure/storage-blob";
import { CodedError } from "../app/result";
import { type AccountCredential, CredentialProvider } from "./credentials";
import { type BlobLocation, parseBlobUrl, type TableLocation } from "./urls";

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

/** The storage endpoints the app is configured for (service URLs as `parseBlobUrl` gives them). */
export interface StorageEndpoints {
  /** Blob service URLs: sources, restore targets, the backup account. */
  blob: readonly string[];
  /** Table service URLs: the lineage table's account. */
  table: readonly string[];
}

/** A client was asked for outside the configured endpoints, or the SDK would request another place. */
export class EndpointNotAllowedError extends CodedError {
  constructor(message: string) {
    super("EndpointNotAllowed", message);
    this.name = "EndpointNotAllowedError";
  }
}

export interface StorageAccessOptions {
  /** The only endpoints clients (and credentials) are built for. */
  endpoints: StorageEndpoints;
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
  private readonly blobEndpoints: ReadonlySet<string>;
  private readonly tableEndpoints: ReadonlySet<string>;

  constructor(options: StorageAccessOptions) {
    this.credentials = new CredentialProvider(options);
    this.sdkRetry = options.sdkRetry ?? DEFAULT_SDK_RETRY;
    this.blobEndpoints = new Set(options.endpoints.blob);
    this.tableEndpoints = new Set(options.endpoints.table);
  }

  private allowed(kind: "blob" | "table", serviceUrl: string): void {
    const endpoints = kind === "blob" ? this.blobEndpoints : this.tableEndpoints;
    if (!endpoints.has(serviceUrl)) {
      throw new EndpointNotAllowedError(
        `${serviceUrl} is not a configured ${kind} endpoint (BACKUP_SOURCES, RESTORE_TARGETS, BACKUP_TARGET, LINEAGE_TABLE): no credential is sent there`,
      );
    }
  }

  /** The credential of a configured blob endpoint's account (e.g. to sign a copy-source SAS). */
  credentialFor(location: Pick<BlobLocation, "serviceUrl" | "accountName">): AccountCredential {
    this.allowed("blob", location.serviceUrl);
    return this.credentials.forAccount(location.accountName);
  }

  blobService(
    location: Pick<BlobLocation, "serviceUrl" | "accountName">,
    retry: RetryMode = "sdk",
  ): BlobServiceClient {
    const key = `${retry} ${location.serviceUrl}`;
    const cached = this.services.get(key);
    if (cached) return cached;
    const credential = this.credentialFor(location);
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
    const client = this.blobService(location, retry).getContainerClient(location.containerName);
    requestsWhereChecked(client.url, { ...location, blobName: undefined });
    return client;
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
    requestsWhereChecked(client.url, location);
    return options.snapshot ? client.withSnapshot(options.snapshot) : client;
  }

  table(location: TableLocation): TableClient {
    this.allowed("table", location.serviceUrl);
    const credential = this.credentials.forAccount(location.accountName);
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

/**
 * The SDK encodes names and resolves dot segments itself: the URL a client will request must parse back
 * to the account, container and blob that were checked, or the client is not used.
 */
function requestsWhereChecked(clientUrl: string, checked: BlobLocation): void {
  const parsed = parseBlobUrl(clientUrl);
  const same =
    parsed.ok &&
    parsed.value.serviceUrl === checked.serviceUrl &&
    parsed.value.containerName === checked.containerName &&
    parsed.value.blobName === checked.blobName;
  if (!same) {
    throw new EndpointNotAllowedError(
      `the storage client for ${checked.url} would request ${clientUrl}${parsed.ok ? "" : ` (${parsed.error})`}`,
    );
  }
}

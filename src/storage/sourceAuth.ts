// Authorization of a copy source (Put Page From URL reads it server side): a short-lived read SAS for
// shared-key accounts, a bearer token otherwise; renewed before expiry so a long copy never fails on it.
import { BlobSASPermissions, generateBlobSASQueryParameters } from "@azure/storage-blob";
import type { StorageAccess } from "./clients";
import type { BlobLocation } from "./urls";

export interface CopySource {
  /** URL the service reads from (with a SAS when the source uses shared key). */
  url: string;
  /** Bearer token for `x-ms-copy-source-authorization`, when the source uses Entra ID. */
  bearerToken?: string;
}

export interface SourceAuthorizer {
  /** The current credentials for the source; renews them when they are close to expiry. */
  current(): Promise<CopySource>;
  /** How many credentials were issued so far (observability and tests). */
  readonly issued: number;
}

export interface SourceAuthOptions {
  /** Lifetime of each SAS (default 1 hour). */
  lifetimeMs?: number;
  /** Renew when less than this remains (default 15 minutes, capped at half the lifetime). */
  renewBeforeMs?: number;
  now?: () => number;
}

const STORAGE_SCOPE = "https://storage.azure.com/.default";
/** Clock skew allowance for the SAS start time. */
const SKEW_MS = 5 * 60_000;

function snapshotUrl(location: BlobLocation, snapshot: string | undefined): string {
  return snapshot ? `${location.url}?snapshot=${encodeURIComponent(snapshot)}` : location.url;
}

/** A read SAS's values for the blob (or snapshot), valid from `startedAt` (less the skew) to `expiresAt`. */
function readSasValues(
  location: BlobLocation,
  snapshot: string | undefined,
  startedAt: number,
  expiresAt: number,
) {
  return {
    containerName: location.containerName,
    blobName: location.blobName ?? "",
    snapshotTime: snapshot,
    permissions: BlobSASPermissions.parse("r"),
    startsOn: new Date(startedAt - SKEW_MS),
    expiresOn: new Date(expiresAt),
  };
}

const withSas = (base: string, sas: string) => `${base}${base.includes("?") ? "&" : "?"}${sas}`;

/** Creates an authorizer for one source blob (or snapshot of it). */
export function authorizeSource(
  storage: StorageAccess,
  location: BlobLocation,
  snapshot: string | undefined,
  options: SourceAuthOptions = {},
): SourceAuthorizer {
  const lifetimeMs = options.lifetimeMs ?? 60 * 60_000;
  const renewBeforeMs = Math.min(options.renewBeforeMs ?? 15 * 60_000, lifetimeMs / 2);
  const now = options.now ?? Date.now;
  const credential = storage.credentialFor(location);
  const base = snapshotUrl(location, snapshot);
  // The promise is cached so concurrent callers share one issue.
  let cached: Promise<{ source: CopySource; expiresAt: number }> | undefined;
  let cachedExpiry = 0;
  let issued = 0;

  async function issue(): Promise<{ source: CopySource; expiresAt: number }> {
    issued++;
    if (credential.kind === "token") {
      const token = await credential.token.getToken(STORAGE_SCOPE);
      if (!token) throw new Error(`no token for ${location.accountName}: cannot authorize the copy source`);
      return { source: { url: base, bearerToken: token.token }, expiresAt: token.expiresOnTimestamp };
    }
    const startedAt = now();
    const expiresAt = startedAt + lifetimeMs;
    const values = readSasValues(location, snapshot, startedAt, expiresAt);
    const sas = generateBlobSASQueryParameters(values, credential.blob).toString();
    return { source: { url: withSas(base, sas) }, expiresAt };
  }

  return {
    get issued() {
      return issued;
    },
    async current() {
      if (cached === undefined || cachedExpiry - now() < renewBeforeMs) {
        const pending = issue();
        cached = pending;
        cachedExpiry = Number.POSITIVE_INFINITY; // until it resolves, callers share the pending issue
        try {
          cachedExpiry = (await pending).expiresAt;
        } catch (error) {
          cached = undefined;
          throw error;
        }
      }
      return (await cached).source;
    },
  };
}

/**
 * A read URL of the blob (or snapshot) that authorizes itself, for the service's asynchronous Copy Blob,
 * which takes no source token: a service SAS for shared-key accounts, a user delegation SAS (signed with
 * a key the identity obtains from the service; Storage Blob Data Contributor may) for Entra ID ones.
 */
export async function selfAuthorizedReadUrl(
  storage: StorageAccess,
  location: BlobLocation,
  snapshot: string | undefined,
  options: Pick<SourceAuthOptions, "lifetimeMs" | "now"> = {},
): Promise<string> {
  const startedAt = (options.now ?? Date.now)();
  const expiresAt = startedAt + (options.lifetimeMs ?? 60 * 60_000);
  const values = readSasValues(location, snapshot, startedAt, expiresAt);
  const credential = storage.credentialFor(location);
  const sas =
    credential.kind === "sharedKey"
      ? generateBlobSASQueryParameters(values, credential.blob)
      : generateBlobSASQueryParameters(
          values,
          await storage.blobService(location).getUserDelegationKey(values.startsOn, values.expiresOn),
          location.accountName,
        );
  return withSas(snapshotUrl(location, snapshot), sas.toString());
}

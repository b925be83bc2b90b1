// Parsing of blob and table URLs in both styles: Azure host-style (account in the host name) and
// emulator path-style (account as the first path segment), as the storage SDK itself distinguishes them.

import type { Result } from "../app/result";

/** A parse outcome: the value, or a sentence saying what is wrong with the input. */
export type Parsed<T> = Result<T, string>;

export interface BlobLocation {
  /** Canonical URL without query: the container URL or the blob URL. */
  url: string;
  /** Account endpoint, e.g. https://acct.blob.core.windows.net or http://127.0.0.1:10000/acct */
  serviceUrl: string;
  accountName: string;
  containerName: string;
  /** Undefined for a container URL. */
  blobName: string | undefined;
  pathStyle: boolean;
}

export interface TableLocation {
  url: string;
  /** Table service endpoint, e.g. https://acct.table.core.windows.net or http://127.0.0.1:10002/acct */
  serviceUrl: string;
  accountName: string;
  tableName: string;
}

const IPV4 = /^(\d{1,3})(\.\d{1,3}){3}$/;

/** Same rule as the SDK: IP hosts, localhost and host.docker.internal use path-style URLs. */
export function isPathStyleHost(hostname: string): boolean {
  return (
    IPV4.test(hostname) ||
    hostname === "localhost" ||
    hostname === "host.docker.internal" ||
    hostname.includes(":")
  );
}

interface Split {
  origin: string;
  accountName: string;
  segments: string[];
  pathStyle: boolean;
}

function splitUrl(raw: string): Parsed<Split> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, error: "is not a URL" };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return { ok: false, error: "must be http(s)" };
  if (url.search || url.hash) {
    return {
      ok: false,
      error: "must not carry a query (credentials come from STORAGE_ACCOUNT_KEYS or the identity)",
    };
  }
  const segments = url.pathname
    .split("/")
    .filter((s) => s.length > 0)
    .map((s) => decodeURIComponent(s));
  const pathStyle = isPathStyleHost(url.hostname);
  const accountName = pathStyle ? segments.shift() : url.hostname.split(".")[0];
  if (!accountName) return { ok: false, error: "names no storage account" };
  return { ok: true, value: { origin: url.origin, accountName, segments, pathStyle } };
}

function encodePath(path: string): string {
  return path
    .split("/")
    .map((s) => encodeURIComponent(s))
    .join("/");
}

/** Parses a container URL or a blob URL (blob names may contain slashes). */
export function parseBlobUrl(raw: string): Parsed<BlobLocation> {
  const split = splitUrl(raw.trim());
  if (!split.ok) return split;
  const { origin, accountName, segments, pathStyle } = split.value;
  const containerName = segments[0];
  if (!containerName) return { ok: false, error: "names no container" };
  if (!/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/.test(containerName) && containerName !== "$root") {
    return { ok: false, error: `"${containerName}" is not a valid container name` };
  }
  const blobName = segments.length > 1 ? segments.slice(1).join("/") : undefined;
  const serviceUrl = pathStyle ? `${origin}/${accountName}` : origin;
  const url = `${serviceUrl}/${containerName}${blobName === undefined ? "" : `/${encodePath(blobName)}`}`;
  return { ok: true, value: { url, serviceUrl, accountName, containerName, blobName, pathStyle } };
}

/** Parses a table URL: <table endpoint>/<tableName>. */
export function parseTableUrl(raw: string): Parsed<TableLocation> {
  const split = splitUrl(raw.trim());
  if (!split.ok) return split;
  const { origin, accountName, segments, pathStyle } = split.value;
  if (segments.length !== 1 || !segments[0])
    return { ok: false, error: "must be <table endpoint>/<table name>" };
  const tableName = segments[0];
  const serviceUrl = pathStyle ? `${origin}/${accountName}` : origin;
  return { ok: true, value: { url: `${serviceUrl}/${tableName}`, serviceUrl, accountName, tableName } };
}

/** Builds a blob location inside a container location. */
export function blobIn(container: BlobLocation, blobName: string): BlobLocation {
  return {
    ...container,
    blobName,
    url: `${container.serviceUrl}/${container.containerName}/${encodePath(blobName)}`,
  };
}

/** Parses a blob URL and requires it to name a blob. */
export function requireBlobUrl(raw: string): BlobLocation {
  const parsed = parseBlobUrl(raw);
  if (!parsed.ok) throw new Error(`${raw}: ${parsed.error}`);
  if (parsed.value.blobName === undefined) throw new Error(`${raw}: names a container, not a blob`);
  return parsed.value;
}

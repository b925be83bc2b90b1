// Parsing of blob and table URLs in both styles: Azure host-style (account in the host name) and
// emulator path-style (account as the first path segment), as the storage SDK itself distinguishes them.
// Names are checked after decoding, as the SDK will send them: a name the SDK or the service would
// normalise into another place (`..`, `.`, empty segments, backslashes) is refused, never rewritten.

import type { Result } from "../app/result";

/** A parse outcome: the value, or a sentence saying what is wrong with the input. */
export type Parsed<T> = Result<T, string>;

/** An account, or a container in it (RESTORE_TARGETS entries): no blob. */
export interface StorageScope {
  /** Account endpoint, e.g. https://acct.blob.core.windows.net or http://127.0.0.1:10000/acct */
  serviceUrl: string;
  accountName: string;
  /** Undefined for an account URL. */
  containerName: string | undefined;
  pathStyle: boolean;
}

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

/** The service's limit on blob names, in UTF-16 code units (what it calls characters). */
export const MAX_BLOB_NAME_LENGTH = 1024;

const IPV4 = /^(\d{1,3})(\.\d{1,3}){3}$/;
const ACCOUNT_NAME = /^[a-z0-9]{3,24}$/;
const CONTAINER_NAME = /^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/;
/**
 * Whether text holds a character no name may hold: C0 and C1 controls (NUL included), DEL, the XML
 * non-characters U+FFFE and U+FFFF, or a lone surrogate. The service lists such names only encoded, and
 * HTTP front ends refuse some of them.
 */
function hasForbiddenChar(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 0x1f || (c >= 0x7f && c <= 0x9f) || c === 0xfffe || c === 0xffff) return true;
    if (c >= 0xdc00 && c <= 0xdfff) return true;
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return true;
      i++;
    }
  }
  return false;
}

/** Same rule as the SDK: IP hosts, localhost and host.docker.internal use path-style URLs. */
export function isPathStyleHost(hostname: string): boolean {
  return (
    IPV4.test(hostname) ||
    hostname === "localhost" ||
    hostname === "host.docker.internal" ||
    hostname.includes(":")
  );
}

export function isContainerName(name: string): boolean {
  return CONTAINER_NAME.test(name) || name === "$root";
}

/**
 * Why a blob name cannot be used as is (undefined when it can): too long for the service, a control
 * character, a backslash, or a path segment that is empty, `.` or `..` (normalised away on the wire).
 */
export function blobNameProblem(name: string): string | undefined {
  if (name.length === 0) return "is empty";
  if (name.length > MAX_BLOB_NAME_LENGTH) {
    return `is ${name.length} characters long (the service allows ${MAX_BLOB_NAME_LENGTH})`;
  }
  if (hasForbiddenChar(name)) return "contains a control or non-character (NUL, U+0001-U+001F, ...)";
  if (name.includes("\\")) return "contains a backslash (some clients turn it into a slash)";
  const segments = name.split("/");
  if (segments.some((s) => s === ""))
    return "has an empty path segment (a leading, trailing or double slash)";
  if (segments.some((s) => s === "." || s === "..")) {
    return "has a '.' or '..' path segment (it would be resolved into another path)";
  }
  if (name.endsWith(".")) return "ends with a dot (the service may drop it)";
  return undefined;
}

interface Split {
  origin: string;
  accountName: string;
  /** Decoded path segments after the account (path-style) or after the host (host-style). */
  segments: string[];
  pathStyle: boolean;
}

function decodeSegments(pathname: string): Parsed<string[]> {
  const decoded: string[] = [];
  for (const raw of pathname.split("/").slice(1)) {
    try {
      decoded.push(decodeURIComponent(raw));
    } catch {
      return { ok: false, error: `has an invalid percent-escape in "${raw.slice(0, 40)}"` };
    }
  }
  return { ok: true, value: decoded };
}

function splitUrl(raw: string): Parsed<Split> {
  // The URL parser silently drops tabs and newlines: refuse them (and every other control) first.
  if (hasForbiddenChar(raw)) return { ok: false, error: "contains a control character" };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, error: "is not a URL" };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return { ok: false, error: "must be http(s)" };
  if (url.search || url.hash || /[?#]/.test(raw)) {
    return {
      ok: false,
      error: "must not carry a query (credentials come from STORAGE_ACCOUNT_KEYS or the identity)",
    };
  }
  // The URL parser forgets an empty user part ("@host") and a trailing dot on an IPv4 host: look at the
  // authority as written too.
  const authority = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#\\]*)/.exec(raw)?.[1] ?? "";
  if (url.username || url.password || authority.includes("@")) {
    return { ok: false, error: "must not carry user information (user@)" };
  }
  if (url.hostname.endsWith(".") || authority.replace(/:\d*$/, "").endsWith(".")) {
    return { ok: false, error: "has a host name ending with a dot" };
  }
  const pathStyle = isPathStyleHost(url.hostname);
  if (!pathStyle && url.port) {
    return { ok: false, error: "names a port on a host-style endpoint (Azure endpoints have none)" };
  }
  const decoded = decodeSegments(url.pathname);
  if (!decoded.ok) return decoded;
  const segments = decoded.value;
  if (segments.length === 1 && segments[0] === "") segments.pop();
  const accountName = pathStyle ? segments.shift() : url.hostname.split(".")[0];
  if (!accountName) return { ok: false, error: "names no storage account" };
  if (!ACCOUNT_NAME.test(accountName)) {
    return { ok: false, error: `"${accountName.slice(0, 40)}" is not a storage account name` };
  }
  return { ok: true, value: { origin: url.origin, accountName, segments, pathStyle } };
}

function encodePath(path: string): string {
  return path
    .split("/")
    .map((s) => encodeURIComponent(s))
    .join("/");
}

function serviceUrlOf(split: Split): string {
  return split.pathStyle ? `${split.origin}/${split.accountName}` : split.origin;
}

/** The container (if any) of a split URL; a single trailing slash after it is allowed. */
function containerOf(split: Split): Parsed<{ containerName: string | undefined; rest: string[] }> {
  const [first, ...rest] = split.segments;
  if (first === undefined || (first === "" && rest.length === 0)) {
    return { ok: true, value: { containerName: undefined, rest: [] } };
  }
  if (!isContainerName(first))
    return { ok: false, error: `"${first.slice(0, 70)}" is not a valid container name` };
  const trailingSlash = rest.length === 1 && rest[0] === "";
  return { ok: true, value: { containerName: first, rest: trailingSlash ? [] : rest } };
}

/** Parses a container URL or a blob URL (blob names may contain slashes). */
export function parseBlobUrl(raw: string): Parsed<BlobLocation> {
  const split = splitUrl(raw.trim());
  if (!split.ok) return split;
  const { accountName, pathStyle } = split.value;
  const container = containerOf(split.value);
  if (!container.ok) return container;
  const { containerName, rest } = container.value;
  if (containerName === undefined) return { ok: false, error: "names no container" };
  const blobName = rest.length > 0 ? rest.join("/") : undefined;
  if (blobName !== undefined) {
    const problem = blobNameProblem(blobName);
    if (problem !== undefined) return { ok: false, error: `has a blob name that ${problem}` };
  }
  const serviceUrl = serviceUrlOf(split.value);
  const url = `${serviceUrl}/${containerName}${blobName === undefined ? "" : `/${encodePath(blobName)}`}`;
  return { ok: true, value: { url, serviceUrl, accountName, containerName, blobName, pathStyle } };
}

/** Parses an account URL or a container URL (never a blob URL). */
export function parseStorageScope(raw: string): Parsed<StorageScope> {
  const split = splitUrl(raw.trim());
  if (!split.ok) return split;
  const container = containerOf(split.value);
  if (!container.ok) return container;
  if (container.value.rest.length > 0)
    return { ok: false, error: "must be an account or container URL, not a blob URL" };
  return {
    ok: true,
    value: {
      serviceUrl: serviceUrlOf(split.value),
      accountName: split.value.accountName,
      containerName: container.value.containerName,
      pathStyle: split.value.pathStyle,
    },
  };
}

/** Parses a table URL: <table endpoint>/<tableName>. */
export function parseTableUrl(raw: string): Parsed<TableLocation> {
  const split = splitUrl(raw.trim());
  if (!split.ok) return split;
  const { accountName, segments } = split.value;
  if (segments.length !== 1 || !segments[0])
    return { ok: false, error: "must be <table endpoint>/<table name>" };
  const tableName = segments[0];
  const serviceUrl = serviceUrlOf(split.value);
  return { ok: true, value: { url: `${serviceUrl}/${tableName}`, serviceUrl, accountName, tableName } };
}

/** Builds a blob location inside a container location (the name is the caller's to check). */
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

// SharedKey signing of the proxy's own requests to Azurite (the same canonicalisation the SDK
// and Azurite use: Host and port are not signed).
import { createHmac, timingSafeEqual } from "node:crypto";
import type { OutgoingHttpHeaders } from "node:http";

export const SIDE_REQUEST_VERSION = "2025-11-05";

export interface AccountKeys {
  keyOf(account: string): Buffer | undefined;
}

export function accountKeys(accounts: { name: string; key: string }[]): AccountKeys {
  const keys = new Map(accounts.map((a) => [a.name, Buffer.from(a.key, "base64")]));
  return { keyOf: (account) => keys.get(account) };
}

function header(headers: OutgoingHttpHeaders, name: string): string {
  const value = headers[name];
  if (value === undefined) return "";
  return Array.isArray(value) ? value.join(",") : String(value);
}

function canonicalResource(account: string, pathAndQuery: string): string {
  const url = new URL(pathAndQuery, "http://signer.invalid");
  let resource = `/${account}${url.pathname}`;
  const names = [...new Set([...url.searchParams.keys()].map((k) => k.toLowerCase()))].sort();
  for (const name of names) {
    const values = [...url.searchParams.entries()]
      .filter(([k]) => k.toLowerCase() === name)
      .map(([, v]) => v);
    resource += `\n${name}:${values.sort().join(",")}`;
  }
  return resource;
}

/** The SharedKey signature of a request (Blob service, version 2009-09-19 and later), as Azurite computes it. */
function signatureOf(
  method: string,
  pathAndQuery: string,
  headers: OutgoingHttpHeaders,
  account: string,
  key: Buffer,
): string {
  const length = header(headers, "content-length");
  const msHeaders = Object.keys(headers)
    .filter((name) => name.startsWith("x-ms-"))
    .sort()
    .map((name) => `${name}:${header(headers, name).trim()}\n`)
    .join("");
  const stringToSign = [
    method.toUpperCase(),
    header(headers, "content-encoding"),
    header(headers, "content-language"),
    length === "0" ? "" : length,
    header(headers, "content-md5"),
    header(headers, "content-type"),
    header(headers, "date"),
    header(headers, "if-modified-since"),
    header(headers, "if-match"),
    header(headers, "if-none-match"),
    header(headers, "if-unmodified-since"),
    header(headers, "range"),
  ].join("\n");
  return createHmac("sha256", key)
    .update(`${stringToSign}\n${msHeaders}${canonicalResource(account, pathAndQuery)}`, "utf8")
    .digest("base64");
}

/**
 * Adds x-ms-date, x-ms-version (unless present) and a SharedKey Authorization header.
 * Header names must be lower case.
 */
export function signRequest(
  method: string,
  pathAndQuery: string,
  headers: OutgoingHttpHeaders,
  account: string,
  key: Buffer,
): OutgoingHttpHeaders {
  const signed: OutgoingHttpHeaders = { ...headers, "x-ms-date": new Date().toUTCString() };
  if (signed["x-ms-version"] === undefined) signed["x-ms-version"] = SIDE_REQUEST_VERSION;
  signed.authorization = `SharedKey ${account}:${signatureOf(method, pathAndQuery, signed, account, key)}`;
  return signed;
}

/**
 * True when the request carries a SharedKey signature of a configured account that matches exactly
 * what Azurite would compute for it (false otherwise: not signed that way, or not provably valid, and
 * the caller lets Azurite decide). Incoming header names are lower case (Node's parser).
 */
export function hasValidSharedKey(
  method: string,
  pathAndQuery: string,
  headers: OutgoingHttpHeaders,
  keys: AccountKeys,
): boolean {
  const match = /^SharedKey ([^:\s]+):(\S+)$/.exec(header(headers, "authorization"));
  if (match === null) return false;
  const [, account = "", given = ""] = match;
  // Azurite takes the account (and its key) from the path: a key of another account proves nothing.
  if (new URL(pathAndQuery, "http://signer.invalid").pathname.split("/")[1] !== account) return false;
  const key = keys.keyOf(account);
  if (key === undefined) return false;
  const expected = Buffer.from(signatureOf(method, pathAndQuery, headers, account, key));
  const actual = Buffer.from(given);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

// SharedKey signing of the proxy's own requests to Azurite (the same canonicalisation the SDK
// and Azurite use: Host and port are not signed).
import { createHmac } from "node:crypto";
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
  const length = header(signed, "content-length");
  const msHeaders = Object.keys(signed)
    .filter((name) => name.startsWith("x-ms-"))
    .sort()
    .map((name) => `${name}:${header(signed, name).trim()}\n`)
    .join("");
  const stringToSign = [
    method.toUpperCase(),
    header(signed, "content-encoding"),
    header(signed, "content-language"),
    length === "0" ? "" : length,
    header(signed, "content-md5"),
    header(signed, "content-type"),
    "",
    header(signed, "if-modified-since"),
    header(signed, "if-match"),
    header(signed, "if-none-match"),
    header(signed, "if-unmodified-since"),
    header(signed, "range"),
  ].join("\n");
  const signature = createHmac("sha256", key)
    .update(`${stringToSign}\n${msHeaders}${canonicalResource(account, pathAndQuery)}`, "utf8")
    .digest("base64");
  signed.authorization = `SharedKey ${account}:${signature}`;
  return signed;
}

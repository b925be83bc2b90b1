// Parsing of the request parts the handlers share: blob identity, byte ranges, snapshot ids.
import type { IncomingHttpHeaders } from "node:http";
import type { BlobAddress } from "./classify";
import { headerValue } from "./httpUtil";

/** Journal key of a base blob (snapshots share it). */
export function blobKey(address: BlobAddress): string {
  return `${address.account}/${address.container ?? ""}/${address.blob ?? ""}`;
}

export interface ByteRange {
  start: number;
  /** Inclusive end; undefined for an open range ("bytes=N-"). */
  end: number | undefined;
}

export function parseByteRange(value: string | undefined): ByteRange | undefined | "invalid" {
  if (value === undefined) return undefined;
  const match = /^bytes=(\d+)-(\d*)$/.exec(value.trim());
  if (match === null) return "invalid";
  const start = Number(match[1]);
  const end = match[2] === "" ? undefined : Number(match[2]);
  if (end !== undefined && end < start) return "invalid";
  return { start, end };
}

/** x-ms-range wins over Range, as in the service. */
export function requestRange(headers: IncomingHttpHeaders): ByteRange | undefined | "invalid" {
  return parseByteRange(headerValue(headers, "x-ms-range") ?? headerValue(headers, "range"));
}

const SNAPSHOT_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.(\d{1,7}))?Z$/;

/** A snapshot id in a form that orders correctly as a string, or undefined if unparsable. */
export function snapshotOrderKey(snapshot: string): string | undefined {
  const match = SNAPSHOT_RE.exec(snapshot);
  if (match === null || Number.isNaN(Date.parse(snapshot))) return undefined;
  const fraction = (match[1] ?? "").padEnd(7, "0");
  return `${snapshot.slice(0, 19)}.${fraction}`;
}

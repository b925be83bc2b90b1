// The Get Page Ranges wire format: parsing Azurite's XML, the service's XML with interleaved
// PageRange/ClearRange, maxresults/marker paging and the service's marker shape.
import type { Interval } from "./rangeSet";

export interface PageListItem {
  start: number;
  end: number; // exclusive
  clear: boolean;
}

const RANGE_RE = /<(PageRange|ClearRange)><Start>(\d+)<\/Start><End>(\d+)<\/End><\/\1>/g;

/** Azurite's page list body → half-open intervals (PageRange elements only; it never sends ClearRange). */
export function parsePageListXml(xml: string): Interval[] {
  const out: Interval[] = [];
  for (const match of xml.matchAll(RANGE_RE)) {
    if (match[1] === "PageRange") out.push({ start: Number(match[2]), end: Number(match[3]) + 1 });
  }
  return out;
}

export function mergeItems(pages: Interval[], clears: Interval[]): PageListItem[] {
  return [
    ...pages.map((i) => ({ start: i.start, end: i.end, clear: false })),
    ...clears.map((i) => ({ start: i.start, end: i.end, clear: true })),
  ].sort((a, b) => a.start - b.start);
}

export class PagingError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const MAX_RESULTS = 10000;

export function parseMaxResults(value: string | null): number | undefined {
  if (value === null) return undefined;
  if (!/^-?\d+$/.test(value))
    throw new PagingError("InvalidQueryParameterValue", "maxresults is not an integer");
  const n = Number(value);
  if (n <= 0) throw new PagingError("OutOfRangeQueryParameterValue", "maxresults must be greater than 0");
  return Math.min(n, MAX_RESULTS);
}

/** The service's marker shape: 2!<length>!base64("<6-digit length>!<offset>!"). */
export function encodeMarker(offset: number): string {
  const value = String(offset);
  const inner = Buffer.from(`${value.length.toString().padStart(6, "0")}!${value}!`, "utf8").toString(
    "base64",
  );
  return `2!${inner.length}!${inner}`;
}

export function decodeMarker(marker: string): number {
  const parts = /^2!(\d+)!([A-Za-z0-9+/=]+)$/.exec(marker);
  if (parts === null || Number(parts[1]) !== parts[2]!.length) {
    throw new PagingError("InvalidQueryParameterValue", "The marker is not valid");
  }
  const inner = /^(\d{6})!(\d+)!$/.exec(Buffer.from(parts[2]!, "base64").toString("utf8"));
  if (inner === null || Number(inner[1]) !== inner[2]!.length) {
    throw new PagingError("InvalidQueryParameterValue", "The marker is not valid");
  }
  return Number(inner[2]);
}

export interface PageOfItems {
  items: PageListItem[];
  nextMarker: string | undefined;
}

/** maxresults counts PageRange and ClearRange items together, as the service does. */
export function takePage(
  items: PageListItem[],
  marker: string | null,
  maxResults: number | undefined,
): PageOfItems {
  const from = marker === null || marker === "" ? 0 : decodeMarker(marker);
  let first = 0;
  while (first < items.length && items[first]!.start < from) first++;
  if (maxResults === undefined) return { items: items.slice(first), nextMarker: undefined };
  const page = items.slice(first, first + maxResults);
  const next = items[first + maxResults];
  return { items: page, nextMarker: next === undefined ? undefined : encodeMarker(next.start) };
}

export function pageListXml(page: PageOfItems, paged: boolean): string {
  let xml = '<?xml version="1.0" encoding="utf-8"?><PageList>';
  for (const item of page.items) {
    const tag = item.clear ? "ClearRange" : "PageRange";
    xml += `<${tag}><Start>${item.start}</Start><End>${item.end - 1}</End></${tag}>`;
  }
  if (page.nextMarker !== undefined) xml += `<NextMarker>${page.nextMarker}</NextMarker>`;
  else if (paged) xml += "<NextMarker />";
  return `${xml}</PageList>`;
}

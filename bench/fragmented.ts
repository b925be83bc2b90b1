// A stand-in page-list endpoint for the planning scenario: it answers Get Page Ranges (diff form, paged,
// with x-ms-range) for a blob whose diff holds N fragmented ranges. The emulator would need N separate
// Put Page calls to hold that many fragments, which is minutes of setup; the listing code under test
// (the app's lister over the real SDK and XML parser) is the same either way.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ByteRange } from "../src/ranges";
import { mulberry32 } from "./random";

const SLOT = 64 * 1024;

/** N sorted, non-adjacent ranges of 1-127 pages, one per distinct 64 KiB slot of the disk. */
export function fragmentedRanges(seed: number, count: number, diskBytes: number): ByteRange[] {
  const rand = mulberry32(seed);
  const slots = Math.floor(diskBytes / SLOT);
  const chosen = new Set<number>();
  while (chosen.size < count) chosen.add(Math.floor(rand() * slots));
  return [...chosen]
    .sort((a, b) => a - b)
    .map((slot) => ({ offset: slot * SLOT, length: (1 + Math.floor(rand() * 127)) * 512 }));
}

function firstAtOrAfter(ranges: readonly ByteRange[], offset: number): number {
  let lo = 0;
  let hi = ranges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ranges[mid]!.offset < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function answer(ranges: readonly ByteRange[], diskBytes: number, req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? "/", "http://localhost");
  const header = req.headers["x-ms-range"] ?? req.headers.range;
  const match = /bytes=(\d+)-(\d*)/.exec(Array.isArray(header) ? (header[0] ?? "") : (header ?? ""));
  const from = match ? Number(match[1]) : 0;
  const to = match?.[2] ? Number(match[2]) + 1 : diskBytes;
  const max = Math.min(10_000, Number(url.searchParams.get("maxresults") ?? 10_000));
  const marker = url.searchParams.get("marker");
  let i = marker ? Number(marker) : firstAtOrAfter(ranges, from);
  const parts = ['<?xml version="1.0" encoding="utf-8"?><PageList>'];
  let emitted = 0;
  for (; i < ranges.length && emitted < max; i++, emitted++) {
    const r = ranges[i]!;
    if (r.offset >= to) break;
    parts.push(`<PageRange><Start>${r.offset}</Start><End>${r.offset + r.length - 1}</End></PageRange>`);
  }
  const more = i < ranges.length && ranges[i]!.offset < to;
  parts.push(more ? `<NextMarker>${i}</NextMarker>` : "<NextMarker />", "</PageList>");
  const body = parts.join("");
  res.writeHead(200, {
    "content-type": "application/xml",
    "content-length": Buffer.byteLength(body),
    "x-ms-blob-content-length": String(diskBytes),
    etag: '"0x8DBENCH"',
    "last-modified": new Date().toUTCString(),
    "x-ms-request-id": "bench",
    "x-ms-version": "2026-04-06",
  });
  res.end(body);
}

export interface FragmentedResponder {
  url: string;
  stop(): Promise<void>;
}

export async function startFragmentedResponder(ranges: readonly ByteRange[], diskBytes: number) {
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on("end", () => answer(ranges, diskBytes, req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/devstoreaccount1`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  } satisfies FragmentedResponder;
}

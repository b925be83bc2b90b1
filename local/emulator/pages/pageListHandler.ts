// GET ?comp=pagelist: plain page lists (coalesced, paged) and diffs (prevsnapshot or
// x-ms-previous-snapshot-url) with the service's semantics, errors, XML and paging.
import type { OutgoingHttpHeaders } from "node:http";
import type { ProxyContext } from "../proxy/context";
import { endToEndHeaders, headerValue, sendServiceError } from "../proxy/httpUtil";
import { blobKey, requestRange } from "../proxy/requestParts";
import type { SideClient } from "../proxy/sideClient";
import { type UpstreamResponse, upstreamRequest } from "../proxy/upstream";
import { type DiffError, type DiffStrategy, resolveDiff } from "./diff";
import type { DiffCache } from "./diffCache";
import type { WriteJournal } from "./journal";
import { authorizePreviousSnapshotUrl } from "./managedDiskDiff";
import {
  mergeItems,
  type PageListItem,
  PagingError,
  pageListXml,
  parseMaxResults,
  parsePageListXml,
  takePage,
} from "./pageList";
import { clip, type Interval, normalize } from "./rangeSet";

export interface PageListDeps {
  side: SideClient;
  journal: WriteJournal;
  cache: DiffCache;
  diffModeFor(path: string): "journal" | "compare";
  recordStrategy(path: string, strategy: DiffStrategy): void;
  log: (line: string) => void;
}

const RELAYED = [
  "etag",
  "last-modified",
  "x-ms-blob-content-length",
  "x-ms-request-id",
  "x-ms-version",
  "x-ms-client-request-id",
  "date",
];

function send(ctx: ProxyContext, probeHeaders: OutgoingHttpHeaders, xml: string): void {
  const headers: OutgoingHttpHeaders = {
    "content-type": "application/xml",
    "content-length": Buffer.byteLength(xml),
  };
  for (const name of RELAYED) if (probeHeaders[name] !== undefined) headers[name] = probeHeaders[name];
  ctx.stats.addBytesOut(ctx.path, ctx.kind, Buffer.byteLength(xml));
  ctx.res.writeHead(200, headers);
  ctx.res.end(xml);
}

interface Window {
  start: number;
  end: number; // exclusive, within the blob
}

/** The requested byte window (x-ms-range wins over Range), cut to the blob's length. */
function requestedWindow(ctx: ProxyContext, probe: UpstreamResponse): Window {
  const length = Number(headerValue(probe.headers, "x-ms-blob-content-length") ?? 0);
  const range = requestRange(ctx.req.headers);
  if (range === undefined || range === "invalid") return { start: 0, end: length };
  return { start: range.start, end: range.end === undefined ? length : Math.min(length, range.end + 1) };
}

/** The diff's items, from the cache for the later pages of a paged diff. */
async function diffItems(
  deps: PageListDeps,
  ctx: ProxyContext,
  probe: UpstreamResponse,
  targetPages: Interval[],
  window: Window,
): Promise<PageListItem[] | DiffError> {
  const { url, req } = ctx;
  const etag = headerValue(probe.headers, "etag");
  const previous =
    url.searchParams.get("prevsnapshot") ?? headerValue(req.headers, "x-ms-previous-snapshot-url");
  const key = [
    url.pathname,
    url.searchParams.get("snapshot"),
    previous,
    window.start,
    window.end,
    etag,
    deps.diffModeFor(ctx.path),
  ].join("|");
  // Before the cache: a diff computed while the previous snapshot's SAS was valid is not served after revoke.
  const unauthorized = await authorizePreviousSnapshotUrl(ctx);
  if (unauthorized !== undefined) return unauthorized;
  const cached = deps.cache.get(key);
  if (cached !== undefined) return cached;
  const input = {
    blob: blobKey(ctx.address),
    targetPages,
    start: window.start,
    end: window.end,
    targetEtag: etag,
  };
  const result = await resolveDiff(deps, ctx, input);
  if ("error" in result) return result.error;
  const items = mergeItems(result.pages, result.clears);
  deps.cache.set(key, items);
  return items;
}

function sendPagingError(ctx: ProxyContext, error: unknown): void {
  if (!(error instanceof PagingError)) throw error;
  sendServiceError(ctx.req, ctx.res, 400, error.code, error.message);
}

export function createPageListHandler(deps: PageListDeps) {
  return async (ctx: ProxyContext): Promise<void> => {
    const { req, res, url } = ctx;
    const marker = url.searchParams.get("marker");
    let maxResults: number | undefined;
    try {
      // Validated before the probe: Azurite answers a bad maxresults with a bare 400.
      maxResults = parseMaxResults(url.searchParams.get("maxresults"));
      if (marker !== null) takePage([], marker, 1);
    } catch (error) {
      return sendPagingError(ctx, error);
    }
    // The original request goes to Azurite first: it checks auth, lease, conditions, existence and
    // the range, and (because of its dispatcher tie) returns the target's full list for a diff too.
    const probe = await upstreamRequest(ctx.upstream, {
      method: "GET",
      path: req.url ?? "/",
      headers: endToEndHeaders(req.headers),
    });
    if (probe.status !== 200) {
      res.writeHead(probe.status, endToEndHeaders(probe.headers));
      res.end(probe.body);
      ctx.stats.addBytesOut(ctx.path, ctx.kind, probe.body.length);
      return;
    }
    const window = requestedWindow(ctx, probe);
    const listed = parsePageListXml(probe.body.toString("utf8"));
    const targetPages = clip(normalize(listed), window.start, window.end);
    const items =
      ctx.kind === "getPageRanges"
        ? mergeItems(targetPages, [])
        : await diffItems(deps, ctx, probe, targetPages, window);
    if (!Array.isArray(items)) return sendServiceError(req, res, items.status, items.code, items.message);
    const paged = maxResults !== undefined || marker !== null;
    send(ctx, endToEndHeaders(probe.headers), pageListXml(takePage(items, marker, maxResults), paged));
  };
}

// GET ?comp=pagelist: plain page lists (coalesced, paged) and diffs (prevsnapshot or
// x-ms-previous-snapshot-url) with the service's semantics, errors, XML and paging.
import type { OutgoingHttpHeaders } from "node:http";
import type { ProxyContext } from "../proxy/context";
import { endToEndHeaders, headerValue, sendServiceError } from "../proxy/http-util";
import { blobKey, requestRange } from "../proxy/request-parts";
import type { SideClient } from "../proxy/side-client";
import { upstreamRequest } from "../proxy/upstream";
import { type DiffError, type DiffStrategy, resolveDiff } from "./diff";
import type { DiffCache } from "./diff-cache";
import type { WriteJournal } from "./journal";
import {
  mergeItems,
  type PageListItem,
  PagingError,
  pageListXml,
  parseMaxResults,
  parsePageListXml,
  takePage,
} from "./page-list";
import { clip, normalize } from "./range-set";

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

export function createPageListHandler(deps: PageListDeps) {
  return async (ctx: ProxyContext): Promise<void> => {
    const { req, res, url } = ctx;
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
    const probeHeaders = endToEndHeaders(probe.headers);
    let maxResults: number | undefined;
    try {
      maxResults = parseMaxResults(url.searchParams.get("maxresults"));
      if (url.searchParams.has("marker")) takePage([], url.searchParams.get("marker"), 1);
    } catch (error) {
      if (error instanceof PagingError) return sendServiceError(req, res, 400, error.code, error.message);
      throw error;
    }
    const length = Number(headerValue(probe.headers, "x-ms-blob-content-length") ?? 0);
    const range = requestRange(req.headers);
    const start = range === undefined || range === "invalid" ? 0 : range.start;
    const end =
      range === undefined || range === "invalid" || range.end === undefined
        ? length
        : Math.min(length, range.end + 1);
    const targetPages = clip(normalize(parsePageListXml(probe.body.toString("utf8"))), start, end);
    const paged = maxResults !== undefined || url.searchParams.has("marker");

    let items: PageListItem[];
    if (ctx.kind === "getPageRanges") {
      items = mergeItems(targetPages, []);
    } else {
      const key = `${url.pathname}|${url.searchParams.get("snapshot") ?? ""}|${url.searchParams.get("prevsnapshot") ?? headerValue(req.headers, "x-ms-previous-snapshot-url") ?? ""}|${start}-${end}|${headerValue(probe.headers, "etag") ?? ""}|${deps.diffModeFor(ctx.path)}`;
      const cached = deps.cache.get(key);
      if (cached !== undefined) items = cached;
      else {
        const result = await resolveDiff(deps, ctx, {
          blob: blobKey(ctx.address),
          targetPages,
          start,
          end,
          targetEtag: headerValue(probe.headers, "etag"),
        });
        if ("error" in result) {
          const failure: DiffError = result.error;
          return sendServiceError(req, res, failure.status, failure.code, failure.message);
        }
        items = mergeItems(result.pages, result.clears);
        deps.cache.set(key, items);
      }
    }
    try {
      send(
        ctx,
        probeHeaders,
        pageListXml(takePage(items, url.searchParams.get("marker"), maxResults), paged),
      );
    } catch (error) {
      if (error instanceof PagingError) return sendServiceError(req, res, 400, error.code, error.message);
      throw error;
    }
  };
}

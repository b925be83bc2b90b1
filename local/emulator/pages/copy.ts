// Copy Blob of page blobs as an independent copy. Azurite performs the copy first (so its own
// auth, source access, lease and condition checks apply), but its copy shares the page-range
// array with the source; the destination is then rewritten page by page from the source.
import type { OutgoingHttpHeaders } from "node:http";
import type { ProxyContext } from "../proxy/context";
import { endToEndHeaders, headerValue } from "../proxy/httpUtil";
import { blobKey } from "../proxy/requestParts";
import type { BlobRef, SideClient } from "../proxy/sideClient";
import { type UpstreamResponse, upstreamRequest } from "../proxy/upstream";
import type { Throttle } from "../throttle";
import type { WriteJournal } from "./journal";
import { normalize } from "./rangeSet";

export interface CopyDeps {
  side: SideClient;
  journal: WriteJournal;
  localHosts(): string[];
  log: (line: string) => void;
  throttle?: Throttle | undefined;
}

const CHUNK = 4 * 1024 * 1024;
const CONCURRENCY = 4;
const COPIED_PROPERTIES: [string, string][] = [
  ["content-type", "x-ms-blob-content-type"],
  ["content-encoding", "x-ms-blob-content-encoding"],
  ["content-language", "x-ms-blob-content-language"],
  ["content-disposition", "x-ms-blob-content-disposition"],
  ["cache-control", "x-ms-blob-cache-control"],
  ["content-md5", "x-ms-blob-content-md5"],
];

function recreateHeaders(props: UpstreamResponse, leaseId: string | undefined): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {
    "x-ms-blob-type": "PageBlob",
    "x-ms-blob-content-length": headerValue(props.headers, "content-length") ?? "0",
  };
  for (const [from, to] of COPIED_PROPERTIES) {
    const value = headerValue(props.headers, from);
    if (value !== undefined) headers[to] = value;
  }
  for (const [name, value] of Object.entries(props.headers)) {
    if (name.startsWith("x-ms-meta-") && value !== undefined) headers[name] = value;
  }
  const sequence = headerValue(props.headers, "x-ms-blob-sequence-number");
  if (sequence !== undefined) headers["x-ms-blob-sequence-number"] = sequence;
  if (leaseId !== undefined) headers["x-ms-lease-id"] = leaseId;
  return headers;
}

async function copyPages(
  deps: CopyDeps,
  source: BlobRef,
  destination: BlobRef,
  key: string,
  leaseId: string | undefined,
) {
  const chunks: { start: number; end: number }[] = [];
  for (const range of normalize(await deps.side.pageList(source))) {
    for (let start = range.start; start < range.end; start += CHUNK)
      chunks.push({ start, end: Math.min(range.end, start + CHUNK) });
  }
  const headers: OutgoingHttpHeaders = leaseId === undefined ? {} : { "x-ms-lease-id": leaseId };
  let next = 0;
  let bytes = 0;
  const worker = async () => {
    while (next < chunks.length) {
      const chunk = chunks[next++]!;
      const data = await deps.side.read(source, chunk.start, chunk.end);
      deps.journal.touch(key, chunk);
      const written = await deps.side.putPage(destination, chunk.start, data, headers);
      bytes += chunk.end - chunk.start;
      if (written.status !== 201) throw new Error(`deep copy Put Page answered ${written.status}`);
      const etag = headerValue(written.headers, "etag");
      if (etag !== undefined) deps.journal.observeEtag(key, etag);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return bytes;
}

export function createCopyHandler(deps: CopyDeps) {
  return async (ctx: ProxyContext): Promise<void> => {
    const { req, res } = ctx;
    const relay = (response: UpstreamResponse) => {
      res.writeHead(response.status, endToEndHeaders(response.headers));
      res.end(response.body);
    };
    const copied = await upstreamRequest(ctx.upstream, {
      method: "PUT",
      path: req.url ?? "/",
      headers: endToEndHeaders(req.headers),
    });
    const key = blobKey(ctx.address);
    if (copied.status !== 202 || headerValue(copied.headers, "x-ms-copy-status") !== "success") {
      // Anything else that replaced the blob (Put Blob From URL, a pending copy) ends its journal.
      if (copied.status >= 200 && copied.status < 300) deps.journal.forget(key);
      return relay(copied);
    }
    let sourceUrl: URL;
    try {
      sourceUrl = new URL(headerValue(req.headers, "x-ms-copy-source") ?? "");
    } catch {
      return relay(copied);
    }
    const destination: BlobRef = { path: ctx.url.pathname };
    const props = await deps.side.properties(destination);
    if (
      headerValue(props.headers, "x-ms-blob-type") !== "PageBlob" ||
      !deps.localHosts().includes(sourceUrl.host)
    ) {
      deps.journal.forget(key);
      return relay(copied);
    }
    const source: BlobRef = {
      path: sourceUrl.pathname,
      snapshot: sourceUrl.searchParams.get("snapshot") ?? undefined,
    };
    const leaseId = headerValue(req.headers, "x-ms-lease-id");
    const created = await deps.side.send("PUT", destination, {}, recreateHeaders(props, leaseId));
    if (created.status !== 201) throw new Error(`deep copy re-create answered ${created.status}`);
    deps.journal.recreate(key, headerValue(created.headers, "etag"));
    const bytes = await copyPages(deps, source, destination, key, leaseId);
    await deps.throttle?.absorb(ctx.address, bytes);
    const final = await deps.side.properties(destination);
    for (const name of ["etag", "last-modified"]) {
      const value = final.headers[name];
      if (value !== undefined) copied.headers[name] = value;
    }
    relay(copied);
  };
}

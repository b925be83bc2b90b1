// Put Page From URL (Azurite answers 501): the original request is an auth probe, the source
// range is read with the source URL's own authorization (its SAS), and the pages are written
// with a signed Put Page that carries the destination's lease and conditions.
import { createHash } from "node:crypto";
import { request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from "node:http";
import { MAX_PUT_PAGE_BYTES, PAGE_SIZE } from "../limits";
import type { ProxyContext } from "../proxy/context";
import { endToEndHeaders, headerValue, sendServiceError } from "../proxy/http-util";
import { blobKey, parseByteRange } from "../proxy/request-parts";
import type { SideClient } from "../proxy/side-client";
import { type UpstreamResponse, upstreamRequest } from "../proxy/upstream";
import type { WriteJournal } from "./journal";

export interface PutPageFromUrlDeps {
  side: SideClient;
  journal: WriteJournal;
  /** host:port values that address this emulator (public proxy and Azurite). */
  localHosts(): string[];
}

const SOURCE_CONDITIONS: [string, string][] = [
  ["x-ms-source-if-match", "if-match"],
  ["x-ms-source-if-none-match", "if-none-match"],
  ["x-ms-source-if-modified-since", "if-modified-since"],
  ["x-ms-source-if-unmodified-since", "if-unmodified-since"],
];
const DESTINATION_HEADERS = [
  "x-ms-lease-id",
  "if-match",
  "if-none-match",
  "if-modified-since",
  "if-unmodified-since",
  "x-ms-if-sequence-number-le",
  "x-ms-if-sequence-number-lt",
  "x-ms-if-sequence-number-eq",
  "x-ms-version",
  "x-ms-client-request-id",
];

function relay(ctx: ProxyContext, response: UpstreamResponse): void {
  ctx.res.writeHead(response.status, endToEndHeaders(response.headers));
  ctx.res.end(response.body);
}

/** GET of the source range with the URL's own authorization only (as the service does). */
function readSource(
  deps: PutPageFromUrlDeps,
  ctx: ProxyContext,
  source: URL,
  headers: OutgoingHttpHeaders,
): Promise<UpstreamResponse> {
  if (deps.localHosts().includes(source.host)) {
    return upstreamRequest(ctx.upstream, {
      method: "GET",
      path: `${source.pathname}${source.search}`,
      headers: { ...headers, host: source.host },
    });
  }
  return new Promise((resolve, reject) => {
    const req = httpRequest(source, { method: "GET", headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

function sourceFailure(
  ctx: ProxyContext,
  status: number,
  sourceHeaders: IncomingHttpHeaders,
  hasSas: boolean,
): void {
  const sourceCode = headerValue(sourceHeaders, "x-ms-error-code") ?? String(status);
  if (status === 412 || status === 304) {
    sendServiceError(
      ctx.req,
      ctx.res,
      412,
      "SourceConditionNotMet",
      "The source condition specified using HTTP conditional header(s) is not met.",
    );
    return;
  }
  const relayed = !hasSas && (status === 401 || status === 403 || status === 404) ? 403 : status;
  sendServiceError(
    ctx.req,
    ctx.res,
    relayed,
    "CannotVerifyCopySource",
    `Could not verify the copy source: ${sourceCode}`,
    {
      "x-ms-copy-source-status-code": String(status),
      "x-ms-copy-source-error-code": sourceCode,
    },
  );
}

export function createPutPageFromUrlHandler(deps: PutPageFromUrlDeps) {
  return async (ctx: ProxyContext): Promise<void> => {
    const { req, res } = ctx;
    const probe = await upstreamRequest(ctx.upstream, {
      method: "PUT",
      path: req.url ?? "/",
      headers: endToEndHeaders(req.headers),
    });
    // 501 means Azurite authenticated the request and reached its unimplemented handler.
    if (probe.status !== 501) return relay(ctx, probe);
    const destination = parseByteRange(
      headerValue(req.headers, "x-ms-range") ?? headerValue(req.headers, "range"),
    );
    const sourceRange = parseByteRange(headerValue(req.headers, "x-ms-source-range"));
    if (destination === undefined || destination === "invalid" || destination.end === undefined) {
      return sendServiceError(
        req,
        res,
        400,
        "InvalidHeaderValue",
        "The x-ms-range header is missing or invalid.",
        { "x-ms-header-name": "x-ms-range" },
      );
    }
    if (sourceRange === undefined || sourceRange === "invalid" || sourceRange.end === undefined) {
      return sendServiceError(
        req,
        res,
        400,
        "InvalidHeaderValue",
        "The x-ms-source-range header is missing or invalid.",
        { "x-ms-header-name": "x-ms-source-range" },
      );
    }
    const count = destination.end - destination.start + 1;
    if (
      destination.start % PAGE_SIZE !== 0 ||
      count % PAGE_SIZE !== 0 ||
      sourceRange.end - sourceRange.start + 1 !== count
    ) {
      return sendServiceError(req, res, 416, "InvalidPageRange", "The page range specified is invalid.");
    }
    if (count > MAX_PUT_PAGE_BYTES) {
      return sendServiceError(
        req,
        res,
        413,
        "RequestBodyTooLarge",
        "The request body is too large and exceeds the maximum permissible limit.",
      );
    }
    let source: URL;
    try {
      source = new URL(headerValue(req.headers, "x-ms-copy-source") ?? "");
    } catch {
      return sendServiceError(req, res, 400, "InvalidHeaderValue", "x-ms-copy-source is not a valid URL.", {
        "x-ms-header-name": "x-ms-copy-source",
      });
    }
    const sourceHeaders: OutgoingHttpHeaders = {
      "x-ms-range": `bytes=${sourceRange.start}-${sourceRange.end}`,
      "x-ms-version": headerValue(req.headers, "x-ms-version"),
    };
    for (const [from, to] of SOURCE_CONDITIONS) {
      const value = headerValue(req.headers, from);
      if (value !== undefined) sourceHeaders[to] = value;
    }
    const auth = headerValue(req.headers, "x-ms-copy-source-authorization");
    if (auth !== undefined) sourceHeaders.authorization = auth;
    const hasSas = source.searchParams.has("sig");
    const read = await readSource(deps, ctx, source, sourceHeaders);
    if (read.status !== 200 && read.status !== 206)
      return sourceFailure(ctx, read.status, read.headers, hasSas || auth !== undefined);
    if (read.body.length !== count) {
      return sendServiceError(
        req,
        res,
        416,
        "InvalidPageRange",
        "The source range is outside the source blob.",
      );
    }
    const md5 = headerValue(req.headers, "x-ms-source-content-md5");
    if (md5 !== undefined && createHash("md5").update(read.body).digest("base64") !== md5) {
      return sendServiceError(
        req,
        res,
        400,
        "Md5Mismatch",
        "The MD5 value specified in the request did not match with the MD5 value calculated by the server.",
      );
    }
    const destinationHeaders: OutgoingHttpHeaders = {};
    for (const name of DESTINATION_HEADERS) {
      const value = headerValue(req.headers, name);
      if (value !== undefined) destinationHeaders[name] = value;
    }
    const key = blobKey(ctx.address);
    const touched = { start: destination.start, end: destination.end + 1 };
    deps.journal.touch(key, touched);
    const written = await deps.side.putPage(
      { path: ctx.url.pathname },
      destination.start,
      read.body,
      destinationHeaders,
    );
    if (written.status === 201) {
      deps.journal.touch(key, touched);
      const etag = headerValue(written.headers, "etag");
      if (etag !== undefined) deps.journal.observeEtag(key, etag);
      ctx.stats.addBytesIn(ctx.path, ctx.kind, count);
      if (md5 !== undefined) written.headers["content-md5"] = md5;
      delete written.headers["x-ms-content-crc64"];
    }
    relay(ctx, written);
  };
}

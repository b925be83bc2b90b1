// Put Page From URL (Azurite answers 501): the original request's authorization is checked (a SharedKey
// signature that provably matches here, else Azurite decides: the request is sent as an auth probe),
// the source range is read with the source URL's own authorization (its SAS), and the pages are
// written with a signed Put Page that carries the destination's lease and conditions.
import { createHash } from "node:crypto";
import { request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from "node:http";
import { crc64 as crc64Of } from "../crc64";
import type { FaultInjector } from "../faults";
import { MAX_PUT_PAGE_BYTES, PAGE_SIZE } from "../limits";
import type { ProxyContext } from "../proxy/context";
import { endToEndHeaders, headerValue, sendServiceError } from "../proxy/httpUtil";
import { blobKey, parseByteRange } from "../proxy/requestParts";
import type { SideClient } from "../proxy/sideClient";
import { type UpstreamResponse, upstreamRequest } from "../proxy/upstream";
import { type AccountKeys, hasValidSharedKey } from "../signer";
import type { CopyGate } from "./copyGate";
import type { WriteJournal } from "./journal";

export interface PutPageFromUrlDeps {
  side: SideClient;
  journal: WriteJournal;
  /** host:port values that address this emulator (public proxy and Azurite). */
  localHosts(): string[];
  /** Faults on the copy source's side (kind `copySource`, path of the source). */
  faults?: FaultInjector | undefined;
  /** The accounts' keys, to accept a request whose SharedKey signature matches without asking Azurite. */
  keys?: AccountKeys;
  /** Bounds the copies' bytes in flight on the emulator's thread (copyGate.ts); none when absent. */
  gate?: CopyGate;
}

/** What the service sees when the copy source is busy or times out: the source's own error answer. */
function injectedSourceFailure(
  kind: "serverBusy" | "operationTimedOut" | "dropConnection" | "permissionDenied",
) {
  const [status, code] =
    kind === "serverBusy"
      ? [503, "ServerBusy"]
      : kind === "permissionDenied"
        ? [403, "AuthorizationPermissionMismatch"]
        : [500, "OperationTimedOut"];
  return { status, headers: { "x-ms-error-code": code }, body: Buffer.alloc(0) };
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
  const decision = deps.faults?.decide("copySource", source.pathname);
  if (decision?.terminal) return Promise.resolve(injectedSourceFailure(decision.terminal));
  if (decision && decision.latencyMs > 0) {
    const delay = decision.latencyMs;
    return new Promise((resolve) => setTimeout(resolve, delay)).then(() =>
      readSource({ ...deps, faults: undefined }, ctx, source, headers),
    );
  }
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
  // A source the service cannot read answers 403/404 as itself; trouble on the source's side (busy,
  // timed out) comes back as 409 CannotVerifyCopySource with the source's status and code in headers, as
  // users report from the service: only those headers say that a retry may help.
  const sourceSide = status >= 500 || status === 408 || status === 429;
  const relayed = sourceSide
    ? 409
    : !hasSas && (status === 401 || status === 403 || status === 404)
      ? 403
      : status;
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

interface Problem {
  status: number;
  code: string;
  message: string;
  headers?: OutgoingHttpHeaders;
}

interface CopyRequest {
  destinationStart: number;
  sourceStart: number;
  count: number;
  source: URL;
}

const invalidHeader = (name: string, message: string): Problem => ({
  status: 400,
  code: "InvalidHeaderValue",
  message,
  headers: { "x-ms-header-name": name },
});

/** Validates ranges (aligned, equal length, at most 4 MiB) and the source URL. */
function parseCopyRequest(headers: IncomingHttpHeaders): CopyRequest | Problem {
  const destination = parseByteRange(headerValue(headers, "x-ms-range") ?? headerValue(headers, "range"));
  const source = parseByteRange(headerValue(headers, "x-ms-source-range"));
  if (destination === undefined || destination === "invalid" || destination.end === undefined) {
    return invalidHeader("x-ms-range", "The x-ms-range header is missing or invalid.");
  }
  if (source === undefined || source === "invalid" || source.end === undefined) {
    return invalidHeader("x-ms-source-range", "The x-ms-source-range header is missing or invalid.");
  }
  const count = destination.end - destination.start + 1;
  if (
    destination.start % PAGE_SIZE !== 0 ||
    count % PAGE_SIZE !== 0 ||
    source.end - source.start + 1 !== count
  ) {
    return { status: 416, code: "InvalidPageRange", message: "The page range specified is invalid." };
  }
  if (count > MAX_PUT_PAGE_BYTES) {
    return {
      status: 413,
      code: "RequestBodyTooLarge",
      message: "The request body is too large and exceeds the maximum permissible limit.",
    };
  }
  try {
    const url = new URL(headerValue(headers, "x-ms-copy-source") ?? "");
    return { destinationStart: destination.start, sourceStart: source.start, count, source: url };
  } catch {
    return invalidHeader("x-ms-copy-source", "x-ms-copy-source is not a valid URL.");
  }
}

function pick(headers: IncomingHttpHeaders, names: [string, string][]): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [from, to] of names) {
    const value = headerValue(headers, from);
    if (value !== undefined) out[to] = value;
  }
  return out;
}

/** Reads and verifies the source bytes; answers the client itself on failure. */
async function fetchSource(
  deps: PutPageFromUrlDeps,
  ctx: ProxyContext,
  copy: CopyRequest,
): Promise<Buffer | Problem | undefined> {
  const headers = ctx.req.headers;
  const sourceHeaders: OutgoingHttpHeaders = {
    ...pick(headers, SOURCE_CONDITIONS),
    // No Content-MD5 asked, so the emulator computes none for the read (fastPutPage.ts).
    "x-ms-range": `bytes=${copy.sourceStart}-${copy.sourceStart + copy.count - 1}`,
    "x-ms-version": headerValue(headers, "x-ms-version"),
  };
  const auth = headerValue(headers, "x-ms-copy-source-authorization");
  if (auth !== undefined) sourceHeaders.authorization = auth;
  const read = await readSource(deps, ctx, copy.source, sourceHeaders);
  if (read.status !== 200 && read.status !== 206) {
    sourceFailure(ctx, read.status, read.headers, copy.source.searchParams.has("sig") || auth !== undefined);
    return undefined;
  }
  // The source clamps a range past its end, so a short body means the requested range is not all there.
  if (read.body.length !== copy.count) {
    return { status: 416, code: "InvalidPageRange", message: "The source range is outside the source blob." };
  }
  const body = read.body;
  const md5 = headerValue(headers, "x-ms-source-content-md5");
  if (md5 !== undefined && createHash("md5").update(body).digest("base64") !== md5) {
    return {
      status: 400,
      code: "Md5Mismatch",
      message:
        "The MD5 value specified in the request did not match with the MD5 value calculated by the server.",
    };
  }
  const crc64 = headerValue(headers, "x-ms-source-content-crc64");
  if (crc64 !== undefined && Buffer.from(crc64Of(body)).toString("base64") !== crc64) {
    return {
      status: 400,
      code: "Crc64Mismatch",
      message:
        "The CRC64 value specified in the request did not match with the CRC64 value calculated by the server.",
    };
  }
  return body;
}

/** Signed Put Page with the destination's lease and conditions, journaled like any write. */
async function writeDestination(
  deps: PutPageFromUrlDeps,
  ctx: ProxyContext,
  copy: CopyRequest,
  data: Buffer,
) {
  const key = blobKey(ctx.address);
  const touched = { start: copy.destinationStart, end: copy.destinationStart + copy.count };
  const destinationHeaders = pick(
    ctx.req.headers,
    DESTINATION_HEADERS.map((name) => [name, name]),
  );
  deps.journal.touch(key, touched);
  const written = await deps.side.putPage(
    { path: ctx.url.pathname },
    copy.destinationStart,
    data,
    destinationHeaders,
  );
  if (written.status === 201) {
    deps.journal.touch(key, touched);
    const etag = headerValue(written.headers, "etag");
    if (etag !== undefined) deps.journal.observeEtag(key, etag);
    ctx.stats.addBytesIn(ctx.path, ctx.kind, copy.count);
    const md5 = headerValue(ctx.req.headers, "x-ms-source-content-md5");
    if (md5 !== undefined) written.headers["content-md5"] = md5;
    delete written.headers["x-ms-content-crc64"];
  }
  return written;
}

const isProblem = (value: unknown): value is Problem =>
  typeof value === "object" && value !== null && "code" in value && "status" in value;

export function createPutPageFromUrlHandler(deps: PutPageFromUrlDeps) {
  return async (ctx: ProxyContext): Promise<void> => {
    const { req, res } = ctx;
    // A valid SharedKey signature is what Azurite would accept: the probe (a third of an emulated Put
    // Page From URL's work for small ranges) is skipped. Anything else (SAS, token, a mismatch) is probed.
    if (!(deps.keys && hasValidSharedKey("PUT", req.url ?? "/", req.headers, deps.keys))) {
      const probe = await upstreamRequest(ctx.upstream, {
        method: "PUT",
        path: req.url ?? "/",
        headers: endToEndHeaders(req.headers),
      });
      // 501 means Azurite authenticated the request and reached its unimplemented handler.
      if (probe.status !== 501) return relay(ctx, probe);
    }
    const send = (problem: Problem) =>
      sendServiceError(req, res, problem.status, problem.code, problem.message, problem.headers);
    const copy = parseCopyRequest(req.headers);
    if (isProblem(copy)) return send(copy);
    const work = async () => {
      const data = await fetchSource(deps, ctx, copy);
      if (data === undefined) return;
      if (isProblem(data)) return send(data);
      relay(ctx, await writeDestination(deps, ctx, copy, data));
    };
    await (deps.gate ? deps.gate.run(copy.count, work) : work());
  };
}

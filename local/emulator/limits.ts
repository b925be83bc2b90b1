// Service limits Azurite does not enforce: 4 MiB Put Page bodies, 8 TiB page blobs, 512-byte
// aligned page blob sizes and page ranges, blob names of at most 1,024 characters.
import type { ProxyContext } from "./proxy/context";
import { drain, headerValue, sendServiceError } from "./proxy/httpUtil";
import { requestRange } from "./proxy/requestParts";

export const MAX_PUT_PAGE_BYTES = 4 * 1024 * 1024;
export const MAX_PAGE_BLOB_BYTES = 8 * 1024 ** 4;
export const PAGE_SIZE = 512;
/** The service counts UTF-16 code units (a name of 512 emoji is at the limit). */
export const MAX_BLOB_NAME_LENGTH = 1024;

/** Any request naming a blob over 1,024 characters: 400 OutOfRangeInput, as the service answers. */
export async function rejectOverlongBlobName(ctx: ProxyContext): Promise<boolean> {
  if ((ctx.address.blob?.length ?? 0) <= MAX_BLOB_NAME_LENGTH) return false;
  await drain(ctx.req);
  sendServiceError(
    ctx.req,
    ctx.res,
    400,
    "OutOfRangeInput",
    "The specified resource name length is not within the permissible limits.",
  );
  return true;
}

/** Answers and returns true when the Put Page body is over the limit. */
export async function rejectOversizedPutPage(ctx: ProxyContext): Promise<boolean> {
  const length = Number(headerValue(ctx.req.headers, "content-length") ?? 0);
  if (length <= MAX_PUT_PAGE_BYTES) return false;
  await drain(ctx.req);
  sendServiceError(
    ctx.req,
    ctx.res,
    413,
    "RequestBodyTooLarge",
    "The request body is too large and exceeds the maximum permissible limit.",
    {
      connection: "close",
    },
  );
  return true;
}

/** Checks a page blob size header (create or resize); answers and returns true when invalid. */
export async function rejectInvalidPageBlobSize(ctx: ProxyContext): Promise<boolean> {
  const raw = headerValue(ctx.req.headers, "x-ms-blob-content-length");
  if (raw === undefined) return false;
  const size = Number(raw);
  if (/^\d+$/.test(raw) && size <= MAX_PAGE_BLOB_BYTES && size % PAGE_SIZE === 0) return false;
  await drain(ctx.req);
  sendServiceError(
    ctx.req,
    ctx.res,
    400,
    "InvalidHeaderValue",
    "The value for one of the HTTP headers is not in the correct format.",
    {
      "x-ms-header-name": "x-ms-blob-content-length",
    },
  );
  return true;
}

/** Put Page / Clear Pages ranges must start and end on 512-byte page boundaries. */
export async function rejectUnalignedPageRange(ctx: ProxyContext): Promise<boolean> {
  const range = requestRange(ctx.req.headers);
  if (range === undefined) return false;
  if (
    range !== "invalid" &&
    range.end !== undefined &&
    range.start % PAGE_SIZE === 0 &&
    (range.end + 1) % PAGE_SIZE === 0
  ) {
    return false;
  }
  await drain(ctx.req);
  sendServiceError(ctx.req, ctx.res, 416, "InvalidPageRange", "The page range specified is invalid.");
  return true;
}

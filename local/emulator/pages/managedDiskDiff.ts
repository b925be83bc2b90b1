// Checks that apply only to managed-disk style diffs (`x-ms-previous-snapshot-url`): the previous
// snapshot's URL must still be authorized by its own SAS (a revoked SAS stops working), and a pair
// whose lengths straddle the 4 TiB boundary cannot be diffed.

import type { ProxyContext } from "../proxy/context";
import { headerValue } from "../proxy/httpUtil";
import { upstreamRequest } from "../proxy/upstream";
import { SIDE_REQUEST_VERSION } from "../signer";
import type { DiffError } from "./diff";

const FOUR_TIB = 4 * 1024 ** 4;
// A managed disk's blob is its size plus the 512-byte VHD footer.
const FOOTER = 512;

/**
 * When the previous snapshot's URL carries a SAS, asks Azurite whether that SAS still grants a
 * read (Get Blob Properties with the URL's own query, no other authorization). A URL without a
 * SAS keeps the emulator's earlier behaviour (the target request's own authorization suffices).
 */
export async function authorizePreviousSnapshotUrl(ctx: ProxyContext): Promise<DiffError | undefined> {
  const header = headerValue(ctx.req.headers, "x-ms-previous-snapshot-url");
  if (header === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(header);
  } catch {
    return undefined; // reported by the caller with the service's error
  }
  if (!url.searchParams.has("sig")) return undefined;
  const probe = await upstreamRequest(ctx.upstream, {
    method: "HEAD",
    path: `${url.pathname}${url.search}`,
    headers: {
      host: url.host,
      "x-ms-version": headerValue(ctx.req.headers, "x-ms-version") ?? SIDE_REQUEST_VERSION,
    },
  });
  if (probe.status === 200) return undefined;
  const code = headerValue(probe.headers, "x-ms-error-code") ?? "AuthorizationFailure";
  if (probe.status === 404) {
    return { status: 409, code: "PreviousSnapshotNotFound", message: "The previous snapshot is not found." };
  }
  return {
    status: 403,
    code,
    message: `The SAS of x-ms-previous-snapshot-url does not authorize this request (${probe.status}).`,
  };
}

/** A managed disk resized across 4 TiB cannot be diffed across the resize. */
export function straddlesFourTiB(
  ctx: ProxyContext,
  previousLength: number,
  targetLength: number,
): DiffError | undefined {
  if (headerValue(ctx.req.headers, "x-ms-previous-snapshot-url") === undefined) return undefined;
  const small = (length: number) => length - FOOTER <= FOUR_TIB;
  if (small(previousLength) === small(targetLength)) return undefined;
  return {
    status: 409,
    code: "PreviousSnapshotOperationNotSupported",
    message: "The disk was resized across 4 TiB since the previous snapshot: the pair cannot be diffed.",
  };
}

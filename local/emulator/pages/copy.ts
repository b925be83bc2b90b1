// Copy Blob of page blobs. Azurite performs the copy (its own auth, source access, lease and condition
// checks apply) as a metadata copy: the copy gets its own range list over the same stored extents
// (independentCopies.ts), so it is independent of its source and moves no data, and completes at once
// (the service "can complete synchronously if the copy occurs within the same storage account").
// Here the copied page blob starts a new write-journal generation (diffs against snapshots taken
// before it are BlobOverwritten), and under the Azure-shaped profile a copy from another account is
// held until the destination blob's throughput target has absorbed the bytes it copied.
import type { ProxyContext } from "../proxy/context";
import { endToEndHeaders, headerValue } from "../proxy/httpUtil";
import { blobKey } from "../proxy/requestParts";
import type { SideClient } from "../proxy/sideClient";
import { type UpstreamResponse, upstreamRequest } from "../proxy/upstream";
import type { Throttle } from "../throttle";
import type { WriteJournal } from "./journal";
import type { PendingCopies } from "./pendingCopies";
import { normalize } from "./rangeSet";

export interface CopyDeps {
  side: SideClient;
  journal: WriteJournal;
  localHosts(): string[];
  log: (line: string) => void;
  throttle?: Throttle | undefined;
  /** Copies made to report pending for a while (control API; none by default). */
  pending?: PendingCopies;
}

/** The source's account when it is a blob of this emulator, else undefined. */
function localSourceAccount(deps: CopyDeps, source: string | undefined): string | undefined {
  try {
    const url = new URL(source ?? "");
    if (!deps.localHosts().includes(url.host)) return undefined;
    return decodeURIComponent(url.pathname.split("/")[1] ?? "");
  } catch {
    return undefined;
  }
}

/** The bytes a cross-account copy moved: the source's allocated pages. */
async function copiedBytes(deps: CopyDeps, source: string): Promise<number> {
  const url = new URL(source);
  const ranges = normalize(
    await deps.side.pageList({ path: url.pathname, snapshot: url.searchParams.get("snapshot") ?? undefined }),
  );
  return ranges.reduce((sum, r) => sum + (r.end - r.start), 0);
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
    if (copied.status < 200 || copied.status >= 300) return relay(copied);
    const key = blobKey(ctx.address);
    const props = await deps.side.properties({ path: ctx.url.pathname });
    if (headerValue(props.headers, "x-ms-blob-type") !== "PageBlob") {
      deps.journal.forget(key);
      return relay(copied);
    }
    deps.journal.recreate(key, headerValue(copied.headers, "etag"));
    const copyId = headerValue(copied.headers, "x-ms-copy-id") ?? "";
    if (deps.pending?.start(key, ctx.path, copyId, Number(headerValue(props.headers, "content-length") ?? 0)))
      copied.headers["x-ms-copy-status"] = "pending";
    // Another account's copy is the service's asynchronous one: it cannot outrun the destination's target.
    const source = headerValue(req.headers, "x-ms-copy-source");
    const account = localSourceAccount(deps, source);
    if (
      deps.throttle !== undefined &&
      source !== undefined &&
      account !== undefined &&
      account !== ctx.address.account
    )
      await deps.throttle.absorb(ctx.address, await copiedBytes(deps, source));
    relay(copied);
  };
}

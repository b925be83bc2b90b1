// Handlers for the writes that pass through to Azurite and feed the write journal: Put Page,
// Clear Pages, resize, Put Blob, Create Snapshot, Delete, and ETags of any other blob write.
import { rejectInvalidPageBlobSize, rejectOversizedPutPage, rejectUnalignedPageRange } from "../limits";
import type { PremiumSnapshots } from "../premium";
import type { ProxyContext } from "../proxy/context";
import { headerValue } from "../proxy/httpUtil";
import { blobKey, requestRange } from "../proxy/requestParts";
import { forward } from "../proxy/upstream";
import type { WriteJournal } from "./journal";
import type { Interval } from "./rangeSet";

const ok = (status: number) => status >= 200 && status < 300;
const etagOf = (headers: ProxyContext["req"]["headers"]) => headerValue(headers, "etag");

/** Forwards a write, touching its pages when it is sent and again when it completes. */
async function journaledWrite(
  ctx: ProxyContext,
  journal: WriteJournal,
  touched: Interval | undefined,
): Promise<void> {
  const key = blobKey(ctx.address);
  if (touched !== undefined) journal.touch(key, touched);
  await forward(ctx, {
    onResponse: (status, headers) => {
      if (!ok(status)) return;
      if (touched !== undefined) journal.touch(key, touched);
      const etag = etagOf(headers);
      if (etag !== undefined) journal.observeEtag(key, etag);
    },
  });
}

function pageInterval(ctx: ProxyContext): Interval | undefined {
  const range = requestRange(ctx.req.headers);
  if (range === undefined || range === "invalid" || range.end === undefined) return undefined;
  return { start: range.start, end: range.end + 1 };
}

export function createWriteHandlers(journal: WriteJournal, premium?: PremiumSnapshots) {
  return {
    putPage: async (ctx: ProxyContext) => {
      if ((await rejectOversizedPutPage(ctx)) || (await rejectUnalignedPageRange(ctx))) return;
      await journaledWrite(ctx, journal, pageInterval(ctx));
    },
    clearPages: async (ctx: ProxyContext) => {
      if (await rejectUnalignedPageRange(ctx)) return;
      await journaledWrite(ctx, journal, pageInterval(ctx));
    },
    resize: async (ctx: ProxyContext) => {
      if (await rejectInvalidPageBlobSize(ctx)) return;
      // Shrinking clears every page above the new size; growing adds only unallocated pages.
      const size = Number(headerValue(ctx.req.headers, "x-ms-blob-content-length"));
      await journaledWrite(ctx, journal, { start: size, end: Number.MAX_SAFE_INTEGER });
    },
    createBlob: async (ctx: ProxyContext) => {
      const pageBlob = headerValue(ctx.req.headers, "x-ms-blob-type")?.toLowerCase() === "pageblob";
      if (pageBlob && (await rejectInvalidPageBlobSize(ctx))) return;
      const key = blobKey(ctx.address);
      await forward(ctx, {
        onResponse: (status, headers) => {
          if (!ok(status)) return;
          if (pageBlob) journal.recreate(key, etagOf(headers));
          else journal.forget(key);
        },
      });
    },
    createSnapshot: async (ctx: ProxyContext) => {
      if (await premium?.reject(ctx)) return;
      const finish = journal.beginSnapshot(blobKey(ctx.address));
      let done = false;
      await forward(ctx, {
        onResponse: (status, headers) => {
          done = true;
          const snapshot = ok(status) ? headerValue(headers, "x-ms-snapshot") : undefined;
          premium?.taken(ctx, snapshot);
          finish(snapshot, etagOf(headers));
        },
      });
      if (!done) finish(undefined, undefined);
    },
    deleteBlob: async (ctx: ProxyContext) => {
      const key = blobKey(ctx.address);
      const snapshot = ctx.url.searchParams.get("snapshot");
      await forward(ctx, {
        onResponse: (status) => {
          if (!ok(status)) return;
          premium?.deleted(ctx);
          if (snapshot !== null) journal.forgetSnapshot(key, snapshot);
          else if (headerValue(ctx.req.headers, "x-ms-delete-snapshots")?.toLowerCase() !== "only")
            journal.forget(key);
        },
      });
    },
    /** Other blob writes (metadata, properties, leases, sequence numbers) change the ETag too. */
    other: async (ctx: ProxyContext) => {
      if (ctx.req.method !== "PUT" || ctx.address.blob === undefined) {
        await forward(ctx);
        return;
      }
      await journaledWrite(ctx, journal, undefined);
    },
  };
}

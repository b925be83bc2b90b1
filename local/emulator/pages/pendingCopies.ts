// Copy Blob that completes later, as the service's asynchronous copy may (opt-in through the control
// API, for tests of a caller's waiting): the copied data is in place at once, but the destination reports
// `x-ms-copy-status: pending` until its time is up, and refuses writes and snapshots meanwhile with 409
// PendingCopyOperation, as the service does. Abort Copy Blob of a pending copy leaves the destination
// empty (zero length, its metadata kept), as the service does.

import { randomUUID } from "node:crypto";
import type { OperationKind } from "../proxy/classify";
import type { ProxyContext } from "../proxy/context";
import { drain, endToEndHeaders, headerValue, sendServiceError } from "../proxy/httpUtil";
import { blobKey } from "../proxy/requestParts";
import type { OperationHandler } from "../proxy/server";
import type { SideClient } from "../proxy/sideClient";
import { forward, upstreamRequest } from "../proxy/upstream";

interface Pending {
  path: string;
  copyId: string;
  until: number;
  totalBytes: number;
}

/** Operations the service refuses on a destination while its copy is pending. */
const REFUSED_WHILE_PENDING: OperationKind[] = [
  "putPage",
  "putPageFromUrl",
  "clearPages",
  "createSnapshot",
  "resize",
];

export class PendingCopies {
  /** How long a Copy Blob under each path prefix stays pending (the longest prefix wins; none: at once). */
  readonly #delays = new Map<string, number>();
  readonly #pending = new Map<string, Pending>();

  /**
   * From now on, copies into blobs under `prefix` stay pending for `delayMs`; 0: they complete at once,
   * and so do the copies pending there now.
   */
  setDelay(prefix: string, delayMs: number): void {
    if (delayMs > 0) {
      this.#delays.set(prefix, delayMs);
      return;
    }
    this.#delays.delete(prefix);
    for (const [key, pending] of this.#pending)
      if (pending.path.startsWith(prefix)) this.#pending.delete(key);
  }

  #delayOf(path: string): number {
    let best: string | undefined;
    for (const prefix of this.#delays.keys())
      if (path.startsWith(prefix) && (best === undefined || prefix.length > best.length)) best = prefix;
    return best === undefined ? 0 : (this.#delays.get(best) ?? 0);
  }

  /** Records a copy just made into `key` (request path `path`); true when it is to report pending. */
  start(key: string, path: string, copyId: string, totalBytes: number): boolean {
    const delayMs = this.#delayOf(path);
    if (delayMs <= 0) {
      this.#pending.delete(key);
      return false;
    }
    this.#pending.set(key, { path, copyId, until: Date.now() + delayMs, totalBytes });
    return true;
  }

  /** Ends the pending copy `copyId` into `key`; false when no such copy is pending. */
  abort(key: string, copyId: string): boolean {
    if (this.pendingOf(key)?.copyId !== copyId) return false;
    this.#pending.delete(key);
    return true;
  }

  /** The copy into `key` while it is still pending. */
  pendingOf(key: string): Pending | undefined {
    const pending = this.#pending.get(key);
    if (pending === undefined || Date.now() < pending.until) return pending;
    this.#pending.delete(key);
    return undefined;
  }
}

/** Get Blob Properties reports a pending copy's status and progress (nothing copied yet, to a caller). */
function propertiesHandler(copies: PendingCopies, inner: OperationHandler | undefined): OperationHandler {
  return async (ctx: ProxyContext) => {
    const pending = copies.pendingOf(blobKey(ctx.address));
    if (pending === undefined) {
      await (inner ?? forward)(ctx);
      return;
    }
    const answer = await upstreamRequest(ctx.upstream, {
      method: ctx.req.method ?? "HEAD",
      path: ctx.req.url ?? "/",
      headers: endToEndHeaders(ctx.req.headers),
    });
    const headers = endToEndHeaders(answer.headers);
    if (answer.status === 200) {
      headers["x-ms-copy-status"] = "pending";
      headers["x-ms-copy-progress"] = `0/${pending.totalBytes}`;
      delete headers["x-ms-copy-completion-time"];
    }
    ctx.res.writeHead(answer.status, headers);
    ctx.res.end(answer.body);
  };
}

function refusingHandler(copies: PendingCopies, inner: OperationHandler | undefined): OperationHandler {
  return async (ctx: ProxyContext) => {
    if (copies.pendingOf(blobKey(ctx.address)) === undefined) {
      await (inner ?? forward)(ctx);
      return;
    }
    await drain(ctx.req);
    sendServiceError(
      ctx.req,
      ctx.res,
      409,
      "PendingCopyOperation",
      "There is currently a pending copy operation.",
    );
  };
}

/** Abort Copy Blob (`PUT ?comp=copy&copyid=…`, `x-ms-copy-action: abort`) of a pending copy. */
function abortHandler(
  copies: PendingCopies,
  side: () => SideClient,
  inner: OperationHandler | undefined,
): OperationHandler {
  return async (ctx: ProxyContext) => {
    const copyId = ctx.url.searchParams.get("copyid");
    const abort =
      ctx.req.method === "PUT" &&
      ctx.url.searchParams.get("comp") === "copy" &&
      headerValue(ctx.req.headers, "x-ms-copy-action") === "abort";
    if (!abort || copyId === null || !copies.abort(blobKey(ctx.address), copyId)) {
      await (inner ?? forward)(ctx);
      return;
    }
    await drain(ctx.req);
    const emptied = await side().send(
      "PUT",
      { path: ctx.url.pathname },
      { comp: "properties" },
      { "x-ms-blob-content-length": "0" },
    );
    if (emptied.status !== 200) throw new Error(`emptying an aborted copy's blob answered ${emptied.status}`);
    ctx.res.writeHead(204, { "x-ms-request-id": randomUUID(), date: new Date().toUTCString() });
    ctx.res.end();
  };
}

/** The handlers with pending copies observed: properties rewritten, writes and snapshots refused. */
export function withPendingCopies(
  handlers: Partial<Record<OperationKind, OperationHandler>>,
  copies: PendingCopies,
  side: () => SideClient,
): Partial<Record<OperationKind, OperationHandler>> {
  const wrapped = {
    ...handlers,
    getProperties: propertiesHandler(copies, handlers.getProperties),
    other: abortHandler(copies, side, handlers.other),
  };
  for (const kind of REFUSED_WHILE_PENDING) wrapped[kind] = refusingHandler(copies, handlers[kind]);
  return wrapped;
}

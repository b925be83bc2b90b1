// Copy Blob that completes later, as the service's asynchronous copy may (opt-in through the control
// API, for tests of a caller's waiting): the copied data is in place at once, but the destination reports
// `x-ms-copy-status: pending` until its time is up, and refuses writes and snapshots meanwhile with 409
// PendingCopyOperation, as the service does. Abort Copy Blob is not emulated.

import type { OperationKind } from "../proxy/classify";
import type { ProxyContext } from "../proxy/context";
import { drain, endToEndHeaders, sendServiceError } from "../proxy/httpUtil";
import { blobKey } from "../proxy/requestParts";
import type { OperationHandler } from "../proxy/server";
import { forward, upstreamRequest } from "../proxy/upstream";

interface Pending {
  path: string;
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
  start(key: string, path: string, totalBytes: number): boolean {
    const delayMs = this.#delayOf(path);
    if (delayMs <= 0) {
      this.#pending.delete(key);
      return false;
    }
    this.#pending.set(key, { path, until: Date.now() + delayMs, totalBytes });
    return true;
  }

  /** The copy into `key` while it is still pending. */
  pendingOf(key: string): Pending | undefined {
    const pending = this.#pending.get(key);
    if (pending !== undefined && Date.now() >= pending.until) this.#pending.delete(key);
    return pending !== undefined && Date.now() < pending.until ? pending : undefined;
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

/** The handlers with pending copies observed: properties rewritten, writes and snapshots refused. */
export function withPendingCopies(
  handlers: Partial<Record<OperationKind, OperationHandler>>,
  copies: PendingCopies,
): Partial<Record<OperationKind, OperationHandler>> {
  const wrapped = { ...handlers, getProperties: propertiesHandler(copies, handlers.getProperties) };
  for (const kind of REFUSED_WHILE_PENDING) wrapped[kind] = refusingHandler(copies, handlers[kind]);
  return wrapped;
}

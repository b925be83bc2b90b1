// The proxy's own signed operations on Azurite (page lists, reads, writes, properties), used by
// the diff, copy and Put Page From URL handlers.
import type { OutgoingHttpHeaders } from "node:http";
import { OMIT_CRC64_HEADER } from "../fastPutPage";
import { parsePageListXml } from "../pages/pageList";
import type { Interval } from "../pages/rangeSet";
import { type AccountKeys, signRequest } from "../signer";
import { parseAddress } from "./classify";
import type { Upstream } from "./context";
import { type UpstreamResponse, upstreamRequest } from "./upstream";

export class SideRequestError extends Error {
  constructor(
    readonly response: UpstreamResponse,
    operation: string,
  ) {
    super(
      `${operation}: Azurite answered ${response.status} ${String(response.headers["x-ms-error-code"] ?? "")}`,
    );
  }
}

export interface BlobRef {
  /** Encoded request path: /account/container/blob */
  path: string;
  snapshot?: string;
}

export class SideClient {
  constructor(
    private readonly upstream: Upstream,
    private readonly keys: AccountKeys,
  ) {}

  async send(
    method: string,
    ref: BlobRef,
    query: Record<string, string>,
    headers: OutgoingHttpHeaders,
    body?: Buffer,
  ): Promise<UpstreamResponse> {
    const params = new URLSearchParams(query);
    if (ref.snapshot !== undefined) params.set("snapshot", ref.snapshot);
    const search = params.toString();
    const pathAndQuery = search === "" ? ref.path : `${ref.path}?${search}`;
    const account = parseAddress(ref.path).account;
    const key = this.keys.keyOf(account);
    if (key === undefined) throw new Error(`no key for account ${account}`);
    const withLength = { ...headers, "content-length": String(body?.length ?? 0) };
    const signed = signRequest(method, pathAndQuery, withLength, account, key);
    return upstreamRequest(this.upstream, { method, path: pathAndQuery, headers: signed, body });
  }

  async properties(ref: BlobRef): Promise<UpstreamResponse> {
    return this.send("HEAD", ref, {}, {});
  }

  /** Azurite's (uncoalesced) page list of the blob or snapshot, clipped to [start, end). */
  async pageList(ref: BlobRef, start?: number, end?: number): Promise<Interval[]> {
    const headers: OutgoingHttpHeaders = {};
    if (start !== undefined && end !== undefined) headers["x-ms-range"] = `bytes=${start}-${end - 1}`;
    const response = await this.send("GET", ref, { comp: "pagelist" }, headers);
    if (response.status !== 200) throw new SideRequestError(response, "page list");
    return parsePageListXml(response.body.toString("utf8"));
  }

  /** Reads [start, end) (no Content-MD5 asked, so none computed: `fastPutPage.ts`). */
  async read(ref: BlobRef, start: number, end: number): Promise<Buffer> {
    const response = await this.send("GET", ref, {}, { "x-ms-range": `bytes=${start}-${end - 1}` });
    if (response.status !== 200 && response.status !== 206) throw new SideRequestError(response, "read");
    return response.body;
  }

  /** Writes pages; the answer's CRC-64 goes to no client, so the emulator does not compute it. */
  async putPage(
    ref: BlobRef,
    start: number,
    data: Buffer,
    headers: OutgoingHttpHeaders = {},
  ): Promise<UpstreamResponse> {
    return this.send(
      "PUT",
      ref,
      { comp: "page" },
      {
        ...headers,
        "x-ms-page-write": "update",
        "x-ms-range": `bytes=${start}-${start + data.length - 1}`,
        [OMIT_CRC64_HEADER]: "1",
      },
      data,
    );
  }
}

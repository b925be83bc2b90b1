// The Azure-shaped throttle profile (opt-in): a fixed latency per request, and the service's scalability
// targets enforced the way the service does, with 503 ServerBusy beyond them. Targets and error texts are
// the documented ones (local/emulator/README.md, "Azure-shaped limits", lists the pages): a standard page
// blob takes up to 60 MiB/s and 500 requests/s, a standard account 20,000 requests/s.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { BlobAddress } from "./proxy/classify";
import type { ProxyContext } from "./proxy/context";
import { drain, headerValue, readBody, sendJson, sendServiceError } from "./proxy/httpUtil";
import { parseByteRange, requestRange } from "./proxy/requestParts";

export interface ThrottleProfile {
  /** Per-blob throughput target (reads and writes of the blob and its snapshots together), bytes/s. */
  blobBytesPerSecond: number;
  /** Per-blob request rate target. */
  blobRequestsPerSecond: number;
  /** Per-account request rate target. */
  accountRequestsPerSecond: number;
  /** Fixed latency added to every request before it is served (a network round trip). */
  latencyMs: number;
  /** Burst tolerance: each bucket holds this many milliseconds' worth of its rate. */
  burstMs: number;
}

/** A standard general-purpose v2 account outside the largest regions, and a standard page blob in it. */
export const AZURE_PROFILE: ThrottleProfile = {
  blobBytesPerSecond: 60 * 1024 * 1024,
  blobRequestsPerSecond: 500,
  accountRequestsPerSecond: 20_000,
  latencyMs: 10,
  burstMs: 100,
};

/** `EMULATOR_THROTTLE`: `azure`, `off`, or JSON fields of ThrottleProfile overriding the Azure profile. */
export const THROTTLE_ENV = "EMULATOR_THROTTLE";

/** Parses a profile spec (`azure`, `off`, or JSON); throws with the field at fault. */
export function parseThrottleSpec(spec: string): ThrottleProfile | undefined {
  const text = spec.trim();
  if (text === "" || text === "off") return undefined;
  if (text === "azure") return { ...AZURE_PROFILE };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error(`throttle profile must be "azure", "off" or a JSON object, not ${JSON.stringify(text)}`);
  }
  return validateThrottleProfile(raw);
}

export function validateThrottleProfile(raw: unknown): ThrottleProfile {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw))
    throw new Error("throttle profile must be a JSON object");
  const profile: ThrottleProfile = { ...AZURE_PROFILE };
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    if (!(name in AZURE_PROFILE)) throw new Error(`throttle profile: unknown field ${name}`);
    const positive = name !== "latencyMs" && name !== "burstMs";
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || (positive && value === 0))
      throw new Error(`throttle profile: ${name} must be a ${positive ? "positive" : "non-negative"} number`);
    profile[name as keyof ThrottleProfile] = value;
  }
  return profile;
}

/** A token bucket: `rate` per second, holding at most `capacity`; a post-hoc charge may leave it in debt. */
export class Bucket {
  private level: number;
  private last = Date.now();

  constructor(
    private readonly rate: number,
    private readonly capacity: number,
  ) {
    this.level = capacity;
  }

  available(now: number): number {
    // A bucket made after the request's `now` was read must not count that as negative time: a fresh
    // bucket would hold less than its capacity and refuse a request it must admit (seen under load).
    if (now <= this.last) return this.level;
    this.level = Math.min(this.capacity, this.level + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    return this.level;
  }

  /** Whether `cost` fits now (a cost above the capacity fits a full bucket, as one request must pass). */
  fits(cost: number, now: number): boolean {
    const level = this.available(now);
    return cost <= 0 ? level > 0 : level >= Math.min(cost, this.capacity);
  }

  take(cost: number): void {
    this.level -= cost;
  }

  /** Milliseconds until `cost` more would have drained at the bucket's rate. */
  drainMs(cost: number, now: number): number {
    const level = this.available(now);
    this.level = level - cost;
    return this.level >= 0 ? 0 : (-this.level / this.rate) * 1000;
  }
}

export type ThrottleReason = "blobRequests" | "blobBytes" | "accountRequests" | "copySource";

interface Charge {
  account: string;
  blob: string | undefined;
  /** Bytes known before the request is served (writes); GETs are charged from their response. */
  bytes: number;
}

export interface ThrottleCounts {
  /** Requests admitted under the profile. */
  admitted: number;
  /** Requests answered 503 ServerBusy (or 409 with the copy source's 503), by which target was hit. */
  serverBusy: number;
  byReason: Record<ThrottleReason, number>;
}

const BUSY_BLOB = "The server is currently unable to receive requests. Please retry your request.";
const BUSY_ACCOUNT = "Operations per second is over the account limit.";

/** Bucket key of a blob: its snapshots are in the same partition, so they share it. */
function blobPathOf(address: BlobAddress): string | undefined {
  return address.blob === undefined
    ? undefined
    : `/${address.account}/${address.container ?? ""}/${address.blob}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function rangeLength(value: string | undefined): number {
  const range = parseByteRange(value);
  return range === undefined || range === "invalid" || range.end === undefined
    ? 0
    : range.end - range.start + 1;
}

/** `/account/container/blob` of a copy source on this emulator, or undefined for a foreign one. */
function sourceCharge(ctx: ProxyContext, localHosts: () => string[]): Charge | undefined {
  const raw = headerValue(ctx.req.headers, "x-ms-copy-source");
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (!localHosts().includes(url.host)) return undefined;
  const parts = url.pathname.split("/").slice(1);
  if (parts.length < 3) return undefined;
  return {
    account: decodeURIComponent(parts[0] ?? ""),
    blob: `/${parts.map((p) => decodeURIComponent(p)).join("/")}`,
    bytes: rangeLength(headerValue(ctx.req.headers, "x-ms-source-range")),
  };
}

/**
 * The profile's state: one request bucket per account, one request and one byte bucket per blob (a blob's
 * snapshots share its partition, hence its buckets), and counts of what was admitted and refused.
 */
export class Throttle {
  private profile: ThrottleProfile | undefined;
  private readonly accounts = new Map<string, Bucket>();
  private readonly blobRequests = new Map<string, Bucket>();
  private readonly blobBytes = new Map<string, Bucket>();
  private readonly counts = new Map<string, ThrottleCounts>();
  private localHosts: () => string[] = () => [];

  constructor(profile?: ThrottleProfile) {
    this.configure(profile);
  }

  /** Replaces the profile (undefined: off); buckets start full. */
  configure(profile: ThrottleProfile | undefined): void {
    this.profile = profile;
    this.accounts.clear();
    this.blobRequests.clear();
    this.blobBytes.clear();
  }

  get current(): ThrottleProfile | undefined {
    return this.profile;
  }

  attach(localHosts: () => string[]): void {
    this.localHosts = localHosts;
  }

  private bucket(map: Map<string, Bucket>, key: string, rate: number): Bucket {
    let bucket = map.get(key);
    if (bucket === undefined) {
      const capacity = Math.max(1, (rate * (this.profile?.burstMs ?? 0)) / 1000);
      bucket = new Bucket(rate, capacity);
      map.set(key, bucket);
    }
    return bucket;
  }

  /** The first target this charge would exceed, or undefined when it fits. */
  private refusal(charge: Charge, profile: ThrottleProfile, now: number): ThrottleReason | undefined {
    if (!this.bucket(this.accounts, charge.account, profile.accountRequestsPerSecond).fits(1, now))
      return "accountRequests";
    if (charge.blob === undefined) return undefined;
    if (!this.bucket(this.blobRequests, charge.blob, profile.blobRequestsPerSecond).fits(1, now))
      return "blobRequests";
    if (!this.bucket(this.blobBytes, charge.blob, profile.blobBytesPerSecond).fits(charge.bytes, now))
      return "blobBytes";
    return undefined;
  }

  private take(charge: Charge, profile: ThrottleProfile): void {
    this.bucket(this.accounts, charge.account, profile.accountRequestsPerSecond).take(1);
    if (charge.blob === undefined) return;
    this.bucket(this.blobRequests, charge.blob, profile.blobRequestsPerSecond).take(1);
    this.bucket(this.blobBytes, charge.blob, profile.blobBytesPerSecond).take(charge.bytes);
  }

  private count(path: string, reason: ThrottleReason | undefined): void {
    let counts = this.counts.get(path);
    if (counts === undefined) {
      counts = {
        admitted: 0,
        serverBusy: 0,
        byReason: { blobRequests: 0, blobBytes: 0, accountRequests: 0, copySource: 0 },
      };
      this.counts.set(path, counts);
    }
    if (reason === undefined) counts.admitted++;
    else {
      counts.serverBusy++;
      counts.byReason[reason]++;
    }
  }

  /**
   * Applies the profile to one request: waits the latency, then admits it (charging its account and
   * blob) or answers it as the service does and returns true. A Put Page From URL also reads its source
   * blob: that read is charged to the source, and a busy source answers 409 CannotVerifyCopySource with
   * the source's 503, as the service reports trouble on the copy source's side.
   */
  async admit(ctx: ProxyContext): Promise<boolean> {
    const profile = this.profile;
    if (profile === undefined) return false;
    if (profile.latencyMs > 0) await sleep(profile.latencyMs);
    const target: Charge = { account: ctx.address.account, blob: blobPathOf(ctx.address), bytes: 0 };
    if (ctx.kind === "putPage") target.bytes = Number(headerValue(ctx.req.headers, "content-length") ?? 0);
    if (ctx.kind === "putPageFromUrl") {
      const range = requestRange(ctx.req.headers);
      target.bytes =
        range === undefined || range === "invalid" ? 0 : (range.end ?? range.start) - range.start + 1;
    }
    const source = ctx.kind === "putPageFromUrl" ? sourceCharge(ctx, this.localHosts) : undefined;
    const now = Date.now();
    const refused = this.refusal(target, profile, now);
    const sourceRefused = refused === undefined && source ? this.refusal(source, profile, now) : undefined;
    if (refused !== undefined || sourceRefused !== undefined) {
      this.count(ctx.path, refused ?? "copySource");
      await drain(ctx.req);
      if (refused === undefined) {
        sendServiceError(
          ctx.req,
          ctx.res,
          409,
          "CannotVerifyCopySource",
          "Could not verify the copy source: ServerBusy",
          {
            "x-ms-copy-source-status-code": "503",
            "x-ms-copy-source-error-code": "ServerBusy",
          },
        );
      } else {
        sendServiceError(
          ctx.req,
          ctx.res,
          503,
          "ServerBusy",
          refused === "accountRequests" ? BUSY_ACCOUNT : BUSY_BLOB,
        );
      }
      return true;
    }
    this.take(target, profile);
    if (source) this.take(source, profile);
    this.count(ctx.path, undefined);
    if (ctx.kind === "getBlob" && target.blob !== undefined) {
      // Read bytes are known from the answer (a range past the end is cut short): charged when it is sent.
      const key = target.blob;
      ctx.res.once("finish", () => {
        const length = Number(ctx.res.getHeader("content-length") ?? 0);
        if (ctx.res.statusCode < 300 && length > 0 && this.profile === profile)
          this.bucket(this.blobBytes, key, profile.blobBytesPerSecond).take(length);
      });
    }
    return false;
  }

  /**
   * Holds a server-side copy of `bytes` into a blob until the blob's throughput target has absorbed them
   * (the service copies asynchronously; its copy of a page blob cannot outrun the blob's target).
   */
  async absorb(address: BlobAddress, bytes: number): Promise<void> {
    const profile = this.profile;
    const blobPath = blobPathOf(address);
    if (profile === undefined || bytes <= 0 || blobPath === undefined) return;
    const wait = this.bucket(this.blobBytes, blobPath, profile.blobBytesPerSecond).drainMs(bytes, Date.now());
    if (wait > 0) await sleep(wait);
  }

  snapshot(prefix = ""): ThrottleCounts {
    const total: ThrottleCounts = {
      admitted: 0,
      serverBusy: 0,
      byReason: { blobRequests: 0, blobBytes: 0, accountRequests: 0, copySource: 0 },
    };
    for (const [path, counts] of this.counts) {
      if (!path.startsWith(prefix)) continue;
      total.admitted += counts.admitted;
      total.serverBusy += counts.serverBusy;
      for (const reason of Object.keys(total.byReason) as ThrottleReason[])
        total.byReason[reason] += counts.byReason[reason];
    }
    return total;
  }

  reset(prefix = ""): void {
    for (const path of [...this.counts.keys()]) if (path.startsWith(prefix)) this.counts.delete(path);
  }

  /** Control API: GET/PUT /__emulator/throttle (PUT body: a spec object, or {"profile":"azure"|"off"}). */
  async control(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    if (url.pathname !== "/__emulator/throttle") return false;
    if (req.method === "GET") {
      sendJson(res, 200, {
        profile: this.profile ?? null,
        counts: this.snapshot(url.searchParams.get("prefix") ?? ""),
      });
      return true;
    }
    if (req.method !== "PUT") return false;
    const body = JSON.parse((await readBody(req, 64 * 1024)).toString("utf8")) as Record<string, unknown>;
    const { profile: named, ...fields } = body;
    if (named !== undefined && named !== "azure" && named !== "off")
      throw new Error('throttle: profile must be "azure" or "off"');
    this.configure(named === "off" ? undefined : validateThrottleProfile(fields));
    sendJson(res, 200, { profile: this.profile ?? null });
    return true;
  }
}

// The relay copy: each range is read once from the source (≤ 8 MiB per read), hashed, and written with Put
// Page (≤ 4 MiB per request) to one or more destinations. Used where the bytes must be seen anyway: a
// restore verifies what it wrote against the digests taken here, so the restore point is read only once.
// Also the range reads that verifications compare (readRange whole, bodiesOf as streams).
import { createHash } from "node:crypto";
import type { Readable } from "node:stream";
import type { PageBlobClient } from "@azure/storage-blob";
import { assertAligned, type ByteRange, coalesce, MAX_PUT_PAGE_BYTES, splitRanges } from "../ranges";
import type { CopyStats, Pacing } from "./engine";
import { pacerOf } from "./engine";
import { type CopyRetryOptions, runOperations } from "./runner";

/** One read of a relay copy: reads over 4 MiB skip the emulator's (and some proxies') per-read MD5. */
export const RELAY_READ_BYTES = 8 * 1024 * 1024;

/**
 * Put Page size when the blob's targets are paced: a paced request may reach the service late and the next
 * one on time; at half the largest Put Page two such requests stay within the blob's short-term budget
 * (what it absorbs in about 100 ms at 60 MiB/s), where two 4 MiB requests would be answered 503.
 */
export const PACED_PUT_PAGE_BYTES = MAX_PUT_PAGE_BYTES / 2;

export type RelayOperation = { kind: "write" | "clear"; range: ByteRange };

/** The operations of a relay batch, in the order they are done and checkpointed (clears first). */
export function relayOperations(writes: readonly ByteRange[], clears: readonly ByteRange[] = []) {
  const ops: RelayOperation[] = [
    ...coalesce(clears).map((range) => ({ kind: "clear" as const, range })),
    ...splitRanges(coalesce(writes), RELAY_READ_BYTES).map((range) => ({ kind: "write" as const, range })),
  ];
  for (const op of ops) assertAligned(op.range);
  return ops;
}

export const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");

/**
 * Reads a range with one GET (the SDK would split it into 4 MiB requests, and a service or emulator that
 * hashes small reads would read each twice) into a buffer of its own, not zeroed first (every byte of it
 * is counted in from the answer); fails unless exactly `length` bytes came back.
 */
export async function readRange(
  blob: PageBlobClient,
  offset: number,
  length: number,
  signal?: AbortSignal,
): Promise<Buffer> {
  const response = await blob.download(offset, length, { abortSignal: signal });
  const body = response.readableStreamBody;
  if (body === undefined) throw new Error(`read of ${length} bytes at ${offset} returned no body`);
  const data = Buffer.allocUnsafe(length);
  let at = 0;
  for await (const chunk of body) {
    const piece = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    if (at + piece.length > length) throw new Error(`read more than ${length} bytes at ${offset}`);
    piece.copy(data, at);
    at += piece.length;
  }
  if (at !== length) throw new Error(`read ${at} of ${length} bytes at ${offset}`);
  return data;
}

/** The body of a ranged read; a read that brings other than `length` bytes is a failed read, not a difference. */
async function bodyOf(blob: PageBlobClient, offset: number, length: number, signal?: AbortSignal) {
  const response = await blob.download(offset, length, { abortSignal: signal });
  const body = response.readableStreamBody;
  if (body === undefined)
    throw new Error(`read of ${length} bytes at ${offset} of ${blob.url} returned no body`);
  // The SDK's body in Node is a Readable (it re-requests the rest of the range if the connection drops).
  return body as Readable;
}

/**
 * The same range of two blobs, both requested at once, to be compared as the bodies arrive
 * (streamCompare.ts: the rolling verification and a restore's). If one request fails, the other body is
 * closed before the failure is thrown (its connection is not left holding an unread body).
 */
export async function bodiesOf(
  a: PageBlobClient,
  b: PageBlobClient,
  range: { offset: number; length: number },
  signal?: AbortSignal,
): Promise<[Readable, Readable]> {
  const { offset, length } = range;
  const [x, y] = await Promise.allSettled([
    bodyOf(a, offset, length, signal),
    bodyOf(b, offset, length, signal),
  ]);
  if (x.status === "fulfilled" && y.status === "fulfilled") return [x.value, y.value];
  for (const side of [x, y]) if (side.status === "fulfilled") side.value.destroy();
  throw x.status === "rejected" ? x.reason : (y as PromiseRejectedResult).reason;
}

export interface RelayDestination {
  blob: PageBlobClient;
  leaseId?: string | undefined;
}

export interface RelayJob {
  /** The source blob or snapshot (a client bound to it, without SDK retries). */
  source: PageBlobClient;
  /** Every destination receives the same bytes at the same offsets (the first one's pacer holds the slots). */
  destinations: readonly RelayDestination[];
  writes: readonly ByteRange[];
  clears?: readonly ByteRange[];
  /** Full-size operations in flight (default 8); smaller ones count for their share (copy/pacer.ts). */
  concurrency?: number;
  pacing?: Pacing;
  retry?: CopyRetryOptions;
  signal?: AbortSignal;
  /** Operations done by an earlier attempt, and their digests (kept in the result). */
  skipOperations?: number;
  digests?: readonly string[];
  stopStartingAt?: number;
  /** Settles once the destinations may be written (their leases held): every write and clear awaits it. */
  writable?: Promise<unknown>;
  onProgress?: (stats: RelayStats) => void;
}

export interface RelayStats extends CopyStats {
  /** SHA-256 of each done write operation's bytes as read from the source ("" for clears), by index. */
  digests: string[];
}

/**
 * Writes `data` at `offset` in ≤ 4 MiB Put Page requests (2 MiB when paced) sent side by side, each paced by the destination's
 * pacer right before it is sent (a request booked before a read of unknown length would reach the blob
 * in a burst with others: the service answers 503 beyond its targets).
 */
export async function putPages(
  destination: RelayDestination,
  offset: number,
  data: Buffer,
  pacing: Pacing | undefined,
  concurrency: number,
  signal: AbortSignal,
): Promise<void> {
  const conditions = destination.leaseId ? { leaseId: destination.leaseId } : undefined;
  const pacer = pacerOf(destination.blob, concurrency, pacing);
  const pieces: Array<Promise<unknown>> = [];
  const size = pacing?.bytesPerSecond ? PACED_PUT_PAGE_BYTES : MAX_PUT_PAGE_BYTES;
  for (let at = 0; at < data.length; at += size) {
    const piece = data.subarray(at, Math.min(data.length, at + size));
    pieces.push(
      pacer
        .pace(piece.length, signal)
        .then(() =>
          destination.blob.uploadPages(piece, offset + at, piece.length, { conditions, abortSignal: signal }),
        ),
    );
  }
  await Promise.all(pieces);
}

/** Copies through this process; resolves with counters and digests, rejects with the first permanent failure. */
export async function relayRanges(job: RelayJob): Promise<RelayStats> {
  const concurrency = Math.max(1, job.concurrency ?? 8);
  const [first] = job.destinations;
  if (first === undefined) throw new Error("a relay copy needs a destination");
  const pacer = pacerOf(first.blob, concurrency, job.pacing);
  const sourcePacer = pacerOf(job.source, concurrency, job.pacing);
  const ops = relayOperations(job.writes, job.clears);
  const digests = new Array<string>(ops.length).fill("");
  const skip = Math.min(ops.length, Math.max(0, job.skipOperations ?? 0));
  for (let i = 0; i < skip; i++) digests[i] = job.digests?.[i] ?? "";
  let bytesCopied = 0;
  let bytesCleared = 0;
  // A refusal surfaces through the first write that awaits it (the caller's, for a batch with none),
  // not as an unhandled rejection while the reads are still under way.
  job.writable?.catch(() => undefined);

  async function attempt(op: RelayOperation, index: number, signal: AbortSignal): Promise<void> {
    const { offset, length } = op.range;
    if (op.kind === "clear") {
      await job.writable;
      for (const d of job.destinations) {
        const conditions = d.leaseId ? { leaseId: d.leaseId } : undefined;
        await d.blob.clearPages(offset, length, { conditions, abortSignal: signal });
      }
      return;
    }
    await sourcePacer.pace(length, signal);
    const data = await readRange(job.source, offset, length, signal);
    digests[index] = sha256(data);
    await job.writable;
    await Promise.all(
      job.destinations.map((d) => putPages(d, offset, data, job.pacing, concurrency, signal)),
    );
  }

  const stats = (run: { operationsDone: number; requests: number; retries: number; throttled: number }) => ({
    operationsDone: run.operationsDone,
    operationsTotal: ops.length,
    bytesCopied,
    bytesCleared,
    requests: run.requests,
    retries: run.retries,
    throttled: run.throttled,
    digests,
  });
  const run = await runOperations({
    ops,
    skip,
    concurrency,
    pacer,
    retry: job.retry,
    signal: job.signal,
    stopStartingAt: job.stopStartingAt,
    // The read and each Put Page are paced right before they are sent; the runner bounds what is in flight.
    pacesItself: true,
    bytesOf: (op) => (op.kind === "write" ? op.range.length : 0),
    attempt,
    describe: (op) => `${op.kind === "write" ? "relay" : "clear"} ${op.range.offset}+${op.range.length}`,
    onDone: (op, _index, progress) => {
      if (op.kind === "write") bytesCopied += op.range.length;
      else bytesCleared += op.range.length;
      job.onProgress?.(stats(progress));
    },
  });
  return stats(run);
}

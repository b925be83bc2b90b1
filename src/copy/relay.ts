// The relay copy: each range is read once from the source (≤ 8 MiB per read), hashed, and written with Put
// Page (≤ 4 MiB per request) to one or more destinations. Used where the bytes must be seen anyway: a
// restore verifies what it wrote against the digests taken here, so the restore point is read only once.
import { createHash } from "node:crypto";
import type { PageBlobClient } from "@azure/storage-blob";
import { assertAligned, type ByteRange, coalesce, MAX_PUT_PAGE_BYTES, splitRanges } from "../ranges";
import type { CopyStats, Pacing } from "./engine";
import { pacerOf } from "./engine";
import { type CopyRetryOptions, runOperations } from "./runner";

/** One read of a relay copy: reads over 4 MiB skip the emulator's (and some proxies') per-read MD5. */
export const RELAY_READ_BYTES = 8 * 1024 * 1024;

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
 * hashes small reads would read each twice); fails unless every byte came back.
 */
export async function readRange(
  blob: PageBlobClient,
  offset: number,
  length: number,
  signal?: AbortSignal,
): Promise<Buffer> {
  const data = await blob.downloadToBuffer(offset, length, {
    blockSize: length,
    concurrency: 1,
    abortSignal: signal,
  });
  if (data.length !== length) throw new Error(`read ${data.length} of ${length} bytes at ${offset}`);
  return data;
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
  concurrency?: number;
  pacing?: Pacing;
  retry?: CopyRetryOptions;
  signal?: AbortSignal;
  /** Operations done by an earlier attempt, and their digests (kept in the result). */
  skipOperations?: number;
  digests?: readonly string[];
  stopStartingAt?: number;
  onProgress?: (stats: RelayStats) => void;
}

export interface RelayStats extends CopyStats {
  /** SHA-256 of each done write operation's bytes as read from the source ("" for clears), by index. */
  digests: string[];
}

/**
 * Writes `data` at `offset` in ≤ 4 MiB Put Page requests sent side by side, each paced by the destination's
 * pacer (`paced`: pieces the caller already paced, from the first).
 */
export async function putPages(
  destination: RelayDestination,
  offset: number,
  data: Buffer,
  pacing: Pacing | undefined,
  concurrency: number,
  signal: AbortSignal,
  paced = 0,
): Promise<void> {
  const conditions = destination.leaseId ? { leaseId: destination.leaseId } : undefined;
  const pacer = pacerOf(destination.blob, concurrency, pacing);
  const pieces: Array<Promise<unknown>> = [];
  for (let at = 0, i = 0; at < data.length; at += MAX_PUT_PAGE_BYTES, i++) {
    const piece = data.subarray(at, Math.min(data.length, at + MAX_PUT_PAGE_BYTES));
    pieces.push(
      (i < paced ? Promise.resolve() : pacer.pace(piece.length, signal)).then(() =>
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

  async function attempt(op: RelayOperation, index: number, signal: AbortSignal): Promise<void> {
    const { offset, length } = op.range;
    if (op.kind === "clear") {
      for (const d of job.destinations) {
        const conditions = d.leaseId ? { leaseId: d.leaseId } : undefined;
        await d.blob.clearPages(offset, length, { conditions, abortSignal: signal });
      }
      return;
    }
    await sourcePacer.pace(length, signal);
    const data = await readRange(job.source, offset, length, signal);
    digests[index] = sha256(data);
    // The runner paced the first piece of the first destination; everything else paces as it goes.
    await Promise.all(
      job.destinations.map((d, i) =>
        putPages(d, offset, data, job.pacing, concurrency, signal, i === 0 ? 1 : 0),
      ),
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
    // The runner paces the first Put Page of a write; the rest are paced as they go.
    bytesOf: (op) => (op.kind === "write" ? Math.min(op.range.length, MAX_PUT_PAGE_BYTES) : 0),
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

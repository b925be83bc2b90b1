// The changed and cleared ranges between two incremental snapshots of a managed disk: Get Page Ranges
// on the newer snapshot's SAS with `x-ms-previous-snapshot-url` (the older one's SAS). The SDK's only
// method for it (getPageRangesDiffForManagedDisks) has no paging and reports `count = end - start` (the
// service's end is inclusive), so the range is queried in bounded offset segments, a segment whose
// answer is cut short (a continuation marker) or times out is halved and asked again, and every range
// is converted from its inclusive end.
import type { PageBlobClient } from "@azure/storage-blob";
import { type ByteRange, clipRanges, coalesce, fromInclusive, PAGE_SIZE, segmentsOf } from "../ranges";
import { isServerTimeout, isTransient } from "../storage/errors";
import { type RangeListing, toChainBreak } from "./diff";
import { sleep } from "./pacer";

/** A range as getPageRanges*() report it: `count` is the inclusive end minus the start (one byte short). */
export interface SdkRange {
  offset: number;
  count?: number;
}

/** Half-open byte ranges from the SDK's ranges (`count + 1` bytes each). */
export function rangesFromSdk(ranges: readonly SdkRange[] | undefined): ByteRange[] {
  return (ranges ?? []).map((r) => fromInclusive(r.offset, r.offset + (r.count ?? 0)));
}

/** What one segment's query answered. */
export interface SegmentAnswer {
  changed: ByteRange[];
  cleared: ByteRange[];
  /** The service cut the answer short (it would continue from a marker the method cannot send). */
  truncated: boolean;
}

/** A segment that must be asked again in two halves (cut short, or the server ran out of time). */
export class SplitSegment extends Error {
  constructor(readonly reason: "truncated" | "timeout") {
    super(`segment ${reason}`);
    this.name = "SplitSegment";
  }
}

/** Two page-aligned halves of a segment (the first the larger when the page count is odd). */
export function halves(segment: ByteRange): ByteRange[] {
  const pages = segment.length / PAGE_SIZE;
  const first = Math.ceil(pages / 2) * PAGE_SIZE;
  return [
    { offset: segment.offset, length: first },
    { offset: segment.offset + first, length: segment.length - first },
  ].filter((s) => s.length > 0);
}

/**
 * Runs `query` over [0, sizeBytes) in segments of `segmentBytes`, in offset order, halving any segment
 * it answers cut short or with a SplitSegment, down to `minSegmentBytes` (then the failure stands).
 * Ranges are clipped to their segment (the service may report a range reaching past it) and coalesced.
 */
export async function querySegments(
  sizeBytes: number,
  segmentBytes: number,
  minSegmentBytes: number,
  query: (segment: ByteRange) => Promise<SegmentAnswer>,
): Promise<RangeListing> {
  const result: RangeListing = { changed: [], cleared: [], requests: 0, splits: 0, sizeBytes };
  const pending = segmentsOf(sizeBytes, segmentBytes).reverse();
  while (pending.length > 0) {
    const segment = pending.pop()!;
    let answer: SegmentAnswer;
    try {
      result.requests++;
      answer = await query(segment);
      if (answer.truncated) throw new SplitSegment("truncated");
    } catch (error) {
      if (!(error instanceof SplitSegment)) throw error;
      if (segment.length <= PAGE_SIZE || segment.length / 2 < minSegmentBytes) {
        throw new Error(
          `the managed-disk diff of ${segment.offset}+${segment.length} was ${error.reason === "truncated" ? "cut short" : "timed out"} even in the smallest segment`,
        );
      }
      pending.push(...halves(segment).reverse());
      result.splits++;
      continue;
    }
    const end = segment.offset + segment.length;
    const inside = (r: ByteRange) => r.offset + r.length > segment.offset;
    result.changed.push(...clipRanges(answer.changed, end).filter(inside));
    result.cleared.push(...clipRanges(answer.cleared, end).filter(inside));
  }
  result.changed = coalesce(result.changed);
  result.cleared = coalesce(result.cleared);
  return result;
}

export interface ManagedDiffOptions {
  /** The newer snapshot, through its read SAS (a client without SDK retries). */
  blob: PageBlobClient;
  /** The older snapshot's read SAS URL (sent as x-ms-previous-snapshot-url). */
  previousSasUrl: string;
  sizeBytes: number;
  segmentBytes: number;
  /** Smallest segment before a cut-short or timed-out answer is final (default 4 MiB). */
  minSegmentBytes?: number;
  /** Attempts per segment on transient errors (default 6). */
  maxAttempts?: number;
  signal?: AbortSignal;
}

/** Changed and cleared ranges between the two snapshots; a pair that cannot be diffed is a ChainBreakError. */
export async function listManagedDiff(options: ManagedDiffOptions): Promise<RangeListing> {
  const { blob, previousSasUrl, signal } = options;
  const maxAttempts = options.maxAttempts ?? 6;
  return querySegments(
    options.sizeBytes,
    options.segmentBytes,
    options.minSegmentBytes ?? 4 * 1024 * 1024,
    async (segment) => {
      for (let attempt = 1; ; attempt++) {
        try {
          const answer = await blob.getPageRangesDiffForManagedDisks(
            segment.offset,
            segment.length,
            previousSasUrl,
            { abortSignal: signal },
          );
          return {
            changed: rangesFromSdk(answer.pageRange),
            cleared: rangesFromSdk(answer.clearRange),
            // Deserialized from NextMarker but missing from the method's declared type.
            truncated: Boolean((answer as { continuationToken?: string }).continuationToken),
          };
        } catch (error) {
          signal?.throwIfAborted();
          // The SAS URL of the previous snapshot is a credential: never in a message.
          const chainBreak = toChainBreak(error, "the previous snapshot");
          if (chainBreak) throw chainBreak;
          if (isServerTimeout(error)) throw new SplitSegment("timeout");
          if (!isTransient(error) || attempt >= maxAttempts) throw error;
          await sleep(Math.min(10_000, 200 * 2 ** attempt), signal);
        }
      }
    },
  );
}

// Listing what to copy: the allocated ranges of a snapshot (full, sparse copy) or the changed and cleared
// ranges between two snapshots (incremental). Lists the whole blob as one segment, paged by marker (the
// fewest requests the service allows), and splits a segment only when the service times out on it (a
// fragmented disk), as the Get Page Ranges docs advise.
import type { PageBlobClient } from "@azure/storage-blob";
import {
  type ByteRange,
  clipRanges,
  coalesce,
  fromInclusive,
  MAX_PAGE_BLOB_BYTES,
  PAGE_SIZE,
  segmentsOf,
} from "../ranges";
import { errorCode, isServerTimeout, isTransient, messageOf, statusOf } from "../storage/errors";
import { sleep } from "./pacer";

/** Diff failures that mean the chain is broken and a full copy is needed. */
export const CHAIN_BREAK_CODES = [
  "PreviousSnapshotNotFound",
  "BlobOverwritten",
  "PreviousSnapshotOperationNotSupported",
  "BlobGenerationMismatch",
  "PreviousSnapshotCannotBeNewer",
] as const;

export class ChainBreakError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ChainBreakError";
  }
}

export interface RangeListingOptions {
  /** The snapshot to list (a client bound to it, ideally without SDK retries). */
  blob: PageBlobClient;
  /** Previous snapshot: list the diff against it; absent: list the allocated ranges. */
  prevSnapshot?: string | undefined;
  /**
   * Size of the listed snapshot (a multiple of 512). Absent: the whole blob is listed from offset 0 in an
   * open range and its size taken from the response (RangeListing.sizeBytes), a round trip fewer than
   * asking for it first; a server timeout then asks for the size and splits as usual. Allocated ranges
   * only: a diff's listing is given the size.
   */
  sizeBytes?: number | undefined;
  /** Offset segment listed per request sequence (default: the whole blob); halved on server timeouts. */
  segmentBytes?: number;
  /** Smallest segment before a timeout is final (default 4 MiB). */
  minSegmentBytes?: number;
  /** maxresults per page (default 5000; the service caps at 10000). */
  maxPageSize?: number;
  /** Attempts per page on transient errors (default 6). */
  maxAttempts?: number;
  signal?: AbortSignal;
}

export interface RangeListing {
  /** Coalesced ranges whose content must be copied. */
  changed: ByteRange[];
  /** Coalesced ranges to clear (diff only). */
  cleared: ByteRange[];
  requests: number;
  /** Segments split after a server timeout. */
  splits: number;
  /** The listed blob's size: as given, or as the service reported it. */
  sizeBytes: number;
}

interface PageResult {
  blobContentLength?: number;
  pageRange?: Array<{ start: number; end: number }>;
  clearRange?: Array<{ start: number; end: number }>;
  continuationToken?: string;
}

function half(segment: ByteRange): ByteRange[] {
  const pages = segment.length / PAGE_SIZE;
  const first = Math.ceil(pages / 2) * PAGE_SIZE;
  return [
    { offset: segment.offset, length: first },
    { offset: segment.offset + first, length: segment.length - first },
  ].filter((s) => s.length > 0);
}

export function toChainBreak(error: unknown, prevSnapshot: string | undefined): ChainBreakError | undefined {
  if (prevSnapshot === undefined) return undefined;
  const code = errorCode(error);
  if (code !== undefined && (CHAIN_BREAK_CODES as readonly string[]).includes(code)) {
    return new ChainBreakError(code, `diff against ${prevSnapshot} failed: ${messageOf(error)}`);
  }
  if (statusOf(error) === 409)
    return new ChainBreakError(code ?? "Conflict", `diff failed: ${messageOf(error)}`);
  return undefined;
}

/** Lists allocated or changed/cleared ranges over [0, sizeBytes) (or the whole blob, its size unknown). */
export async function listRanges(options: RangeListingOptions): Promise<RangeListing> {
  const { blob, prevSnapshot, sizeBytes, signal } = options;
  if (sizeBytes === undefined && prevSnapshot !== undefined)
    throw new RangeError("a diff is listed over a given size (sizeBytes)");
  const minSegment = options.minSegmentBytes ?? 4 * 1024 * 1024;
  const maxAttempts = options.maxAttempts ?? 6;
  const result: RangeListing = {
    changed: [],
    cleared: [],
    requests: 0,
    splits: 0,
    sizeBytes: sizeBytes ?? 0,
  };
  // An open segment (size unknown) runs to the blob's end, whatever that is.
  const open: ByteRange = { offset: 0, length: Number.POSITIVE_INFINITY };
  const pending =
    sizeBytes === undefined
      ? [open]
      : segmentsOf(sizeBytes, options.segmentBytes ?? MAX_PAGE_BLOB_BYTES).reverse();

  async function page(segment: ByteRange, token: string | undefined): Promise<PageResult> {
    const count = segment === open ? undefined : segment.length;
    const listing =
      prevSnapshot === undefined
        ? blob.listPageRanges(segment.offset, count, { abortSignal: signal })
        : blob.listPageRangesDiff(segment.offset, segment.length, prevSnapshot, { abortSignal: signal });
    const iterator = listing.byPage({ continuationToken: token, maxPageSize: options.maxPageSize ?? 5000 });
    result.requests++;
    const next = await iterator.next();
    const value = (next.done ? {} : next.value) as PageResult;
    if (segment === open) result.sizeBytes = value.blobContentLength ?? result.sizeBytes;
    return value;
  }

  /** An open segment that timed out: its size asked for, it is listed as segments of that size. */
  async function segmentsOfOpen(): Promise<ByteRange[]> {
    result.sizeBytes = (await blob.getProperties({ abortSignal: signal })).contentLength ?? 0;
    return segmentsOf(result.sizeBytes, options.segmentBytes ?? MAX_PAGE_BLOB_BYTES);
  }

  while (pending.length > 0) {
    const segment = pending.pop()!;
    const changed: ByteRange[] = [];
    const cleared: ByteRange[] = [];
    let token: string | undefined;
    let split = false;
    for (let attempt = 1; ; ) {
      try {
        const value = await page(segment, token);
        for (const r of value.pageRange ?? []) changed.push(fromInclusive(r.start, r.end));
        for (const r of value.clearRange ?? []) cleared.push(fromInclusive(r.start, r.end));
        token = value.continuationToken || undefined;
        attempt = 1;
        if (token === undefined) break;
      } catch (error) {
        signal?.throwIfAborted();
        const chainBreak = toChainBreak(error, prevSnapshot);
        if (chainBreak) throw chainBreak;
        if (isServerTimeout(error) && segment === open) {
          pending.push(...(await segmentsOfOpen()).reverse());
          split = true;
          break;
        }
        if (isServerTimeout(error) && segment.length / 2 >= minSegment) {
          pending.push(...half(segment).reverse());
          result.splits++;
          split = true;
          break;
        }
        if (!isTransient(error) || attempt >= maxAttempts) throw error;
        await sleep(Math.min(10_000, 200 * 2 ** attempt), signal);
        attempt++;
      }
    }
    if (split) continue;
    result.changed.push(...clipRanges(changed, segment.offset + segment.length));
    result.cleared.push(...clipRanges(cleared, segment.offset + segment.length));
  }
  result.changed = coalesce(result.changed);
  result.cleared = coalesce(result.cleared);
  return result;
}

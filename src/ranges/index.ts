// Pure page-range math: the arithmetic every diff, copy and restore rests on.
// Ranges are half-open byte intervals [offset, offset + length); the service speaks inclusive ends.

/** Page blobs are written and cleared in 512-byte pages. */
export const PAGE_SIZE = 512;
/** Largest body of one Put Page / Put Page From URL request. */
export const MAX_PUT_PAGE_BYTES = 4 * 1024 * 1024;
/** Largest page blob the service accepts. */
export const MAX_PAGE_BLOB_BYTES = 8 * 1024 * 1024 * 1024 * 1024;

export interface ByteRange {
  readonly offset: number;
  readonly length: number;
}

/** Raised when a range breaks the page rules; carries the offending range for the message. */
export class RangeAlignmentError extends Error {
  constructor(
    message: string,
    readonly range: ByteRange,
  ) {
    super(message);
    this.name = "RangeAlignmentError";
  }
}

/** Converts the service's inclusive `Start`/`End` pair into a half-open range. */
export function fromInclusive(start: number, end: number): ByteRange {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new RangeError(`invalid inclusive range ${start}-${end}`);
  }
  return { offset: start, length: end - start + 1 };
}

/** The inclusive last byte of a non-empty range, as the REST API writes it. */
export function inclusiveEnd(range: ByteRange): number {
  return range.offset + range.length - 1;
}

export function rangeEnd(range: ByteRange): number {
  return range.offset + range.length;
}

export function isAligned(range: ByteRange): boolean {
  return range.offset % PAGE_SIZE === 0 && range.length % PAGE_SIZE === 0 && range.length > 0;
}

/** Throws unless the range starts on a page boundary and covers whole pages. */
export function assertAligned(range: ByteRange): void {
  if (!isAligned(range)) {
    throw new RangeAlignmentError(
      `range at offset ${range.offset} of length ${range.length} is not aligned to ${PAGE_SIZE}-byte pages`,
      range,
    );
  }
}

export function totalBytes(ranges: readonly ByteRange[]): number {
  let sum = 0;
  for (const r of ranges) sum += r.length;
  return sum;
}

/** Sorts and merges overlapping or touching ranges; drops empty ones. */
export function coalesce(ranges: readonly ByteRange[]): ByteRange[] {
  const sorted = ranges.filter((r) => r.length > 0).sort((a, b) => a.offset - b.offset);
  const out: ByteRange[] = [];
  let current: { offset: number; end: number } | undefined;
  for (const r of sorted) {
    const end = rangeEnd(r);
    if (current && r.offset <= current.end) {
      current.end = Math.max(current.end, end);
      continue;
    }
    if (current) out.push({ offset: current.offset, length: current.end - current.offset });
    current = { offset: r.offset, end };
  }
  if (current) out.push({ offset: current.offset, length: current.end - current.offset });
  return out;
}

/**
 * Splits ranges into pieces of at most `maxBytes`, each at its true offset in the blob.
 * (Starting every piece at 0 instead of the range's offset is a bug shipped in public samples.)
 */
export function splitRanges(
  ranges: readonly ByteRange[],
  maxBytes: number = MAX_PUT_PAGE_BYTES,
): ByteRange[] {
  if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0 || maxBytes % PAGE_SIZE !== 0) {
    throw new RangeError(`maxBytes must be a positive multiple of ${PAGE_SIZE}, got ${maxBytes}`);
  }
  const out: ByteRange[] = [];
  for (const r of ranges) {
    for (let offset = r.offset; offset < rangeEnd(r); offset += maxBytes) {
      out.push({ offset, length: Math.min(maxBytes, rangeEnd(r) - offset) });
    }
  }
  return out;
}

/** Page-aligned offset segments covering [0, size), for paging a diff of a large blob piece by piece. */
export function segmentsOf(size: number, segmentBytes: number): ByteRange[] {
  if (!Number.isSafeInteger(size) || size < 0 || size % PAGE_SIZE !== 0) {
    throw new RangeError(`size must be a non-negative multiple of ${PAGE_SIZE}, got ${size}`);
  }
  if (!Number.isSafeInteger(segmentBytes) || segmentBytes <= 0 || segmentBytes % PAGE_SIZE !== 0) {
    throw new RangeError(`segmentBytes must be a positive multiple of ${PAGE_SIZE}, got ${segmentBytes}`);
  }
  const out: ByteRange[] = [];
  for (let offset = 0; offset < size; offset += segmentBytes) {
    out.push({ offset, length: Math.min(segmentBytes, size - offset) });
  }
  return out;
}

/** Cuts ranges to [0, size): what survives a shrink of the blob. */
export function clipRanges(ranges: readonly ByteRange[], size: number): ByteRange[] {
  const out: ByteRange[] = [];
  for (const r of ranges) {
    if (r.offset >= size) continue;
    out.push({ offset: r.offset, length: Math.min(rangeEnd(r), size) - r.offset });
  }
  return out;
}

/** The parts of `ranges` not covered by `remove` (both coalesced first). */
export function subtractRanges(ranges: readonly ByteRange[], remove: readonly ByteRange[]): ByteRange[] {
  const cuts = coalesce(remove);
  const out: ByteRange[] = [];
  let i = 0;
  for (const r of coalesce(ranges)) {
    let start = r.offset;
    const end = rangeEnd(r);
    while (i < cuts.length && rangeEnd(cuts[i]!) <= start) i++;
    for (let j = i; j < cuts.length && cuts[j]!.offset < end; j++) {
      const cut = cuts[j]!;
      if (cut.offset > start) out.push({ offset: start, length: cut.offset - start });
      start = Math.max(start, rangeEnd(cut));
    }
    if (start < end) out.push({ offset: start, length: end - start });
  }
  return out;
}

export interface BatchOptions {
  /** Upper bound on the number of batches (bounds the activities an orchestration schedules). */
  readonly maxBatches: number;
  /** Batches are not made smaller than this, so small diffs do not fan out needlessly. */
  readonly minBatchBytes?: number;
}

/**
 * Groups consecutive chunks into at most `maxBatches` batches of roughly equal bytes.
 * Order is kept, so each batch is a contiguous slice of the input.
 */
export function batchRanges(chunks: readonly ByteRange[], options: BatchOptions): ByteRange[][] {
  const { maxBatches, minBatchBytes = 0 } = options;
  if (!Number.isSafeInteger(maxBatches) || maxBatches < 1) {
    throw new RangeError(`maxBatches must be a positive integer, got ${maxBatches}`);
  }
  if (chunks.length === 0) return [];
  const total = totalBytes(chunks);
  const byMin = minBatchBytes > 0 ? Math.max(1, Math.floor(total / minBatchBytes)) : chunks.length;
  const count = Math.max(1, Math.min(maxBatches, chunks.length, byMin));
  const target = total / count;
  const batches: ByteRange[][] = [];
  let current: ByteRange[] = [];
  let done = 0;
  for (let i = 0; i < chunks.length; i++) {
    const chunk = chunks[i]!;
    current.push(chunk);
    done += chunk.length;
    const remainingChunks = chunks.length - i - 1;
    const remainingBatches = count - batches.length - 1;
    const reachedShare = done >= target * (batches.length + 1);
    if (remainingBatches > 0 && (reachedShare || remainingChunks === remainingBatches)) {
      batches.push(current);
      current = [];
    }
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** Requests a range list costs when written in pieces of at most `maxBytes`. */
export function requestCount(ranges: readonly ByteRange[], maxBytes: number = MAX_PUT_PAGE_BYTES): number {
  let n = 0;
  for (const r of ranges) n += Math.ceil(r.length / maxBytes);
  return n;
}

/** Whether [offset, end) lies inside one of the coalesced, sorted `ranges` (binary search). */
function covered(ranges: readonly ByteRange[], offset: number, end: number): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = ranges[mid]!;
    if (rangeEnd(r) <= offset) lo = mid + 1;
    else if (r.offset > offset) hi = mid - 1;
    else return rangeEnd(r) >= end;
  }
  return false;
}

/**
 * Joins changed ranges across unchanged gaps of at most `maxGap` bytes that lie inside `allocated`, where
 * the joined range needs fewer ≤ `maxBytes` requests than its parts: the gap's bytes are copied again
 * (identical), one request is saved per join. Gaps outside `allocated` are never bridged (that would
 * allocate zeros). Both inputs coalesced; the result is coalesced.
 */
export function bridgeGaps(
  changed: readonly ByteRange[],
  allocated: readonly ByteRange[],
  maxGap: number,
  maxBytes: number = MAX_PUT_PAGE_BYTES,
): ByteRange[] {
  const ranges = coalesce(changed);
  if (maxGap <= 0 || ranges.length < 2) return ranges;
  const within = coalesce(allocated);
  const out: ByteRange[] = [];
  let current = ranges[0]!;
  for (let i = 1; i < ranges.length; i++) {
    const next = ranges[i]!;
    const gapStart = rangeEnd(current);
    const gap = next.offset - gapStart;
    const joined = { offset: current.offset, length: rangeEnd(next) - current.offset };
    const saves =
      Math.ceil(joined.length / maxBytes) <
      Math.ceil(current.length / maxBytes) + Math.ceil(next.length / maxBytes);
    if (gap <= maxGap && saves && covered(within, gapStart, next.offset)) {
      current = joined;
      continue;
    }
    out.push(current);
    current = next;
  }
  out.push(current);
  return out;
}

// Fewer requests for scattered small changes: changed ranges separated by small unchanged gaps are copied
// as one range when that saves requests. The gap's bytes are unchanged since the previous snapshot, so the
// backup blob already holds them and the restore point is the same; what it costs is the gap's bytes
// written again (and, on the service, stored again: a rewritten page diverges from the older snapshot).
import type { PageBlobClient } from "@azure/storage-blob";
import { type ByteRange, bridgeGaps, coalesce, requestCount, totalBytes } from "../ranges";
import { listRanges } from "./diff";

/** Fewer joinable gaps than this are not worth the listing of the allocated ranges they need. */
export const MIN_BRIDGE_CANDIDATES = 8;

export interface BridgedWrites {
  writes: ByteRange[];
  /** Unchanged bytes copied along (0 when nothing was bridged). */
  bridgedBytes: number;
  /** Write requests saved. */
  requestsSaved: number;
  /** Listing requests spent on the allocated ranges (0 when not worth it). */
  listRequests: number;
}

export interface BridgeOptions {
  /** The snapshot the changes are copied from (a client bound to it, ideally without SDK retries). */
  blob: PageBlobClient;
  sizeBytes: number;
  /** Largest gap to bridge (Tuning.bridgeGapBytes); 0: never. */
  maxGap: number;
  segmentBytes?: number;
  signal?: AbortSignal;
}

/**
 * Bridges small gaps between `changed` ranges where that saves requests. Only gaps inside the snapshot's
 * allocated ranges are bridged (so no zeros are allocated in the backup); those are listed only when
 * enough gaps qualify to pay for the listing.
 */
export async function bridgeSmallGaps(
  changed: readonly ByteRange[],
  options: BridgeOptions,
): Promise<BridgedWrites> {
  const ranges = coalesce(changed);
  const none = { writes: ranges, bridgedBytes: 0, requestsSaved: 0, listRequests: 0 };
  if (options.maxGap <= 0) return none;
  let candidates = 0;
  for (let i = 1; i < ranges.length; i++) {
    const prev = ranges[i - 1]!;
    if (ranges[i]!.offset - (prev.offset + prev.length) <= options.maxGap) candidates++;
  }
  if (candidates < MIN_BRIDGE_CANDIDATES) return none;
  const allocated = await listRanges({
    blob: options.blob,
    sizeBytes: options.sizeBytes,
    segmentBytes: options.segmentBytes,
    signal: options.signal,
  });
  const writes = bridgeGaps(ranges, allocated.changed, options.maxGap);
  return {
    writes,
    bridgedBytes: totalBytes(writes) - totalBytes(ranges),
    requestsSaved: requestCount(ranges) - requestCount(writes),
    listRequests: allocated.requests,
  };
}

// Planning a fragmented diff: list it with the app's lister (paged, real SDK and XML parsing), then
// coalesce, split at 4 MiB and group into batches as the backup plan step does; time and memory.
import { DEFAULT_TUNING } from "../../src/app/context";
import { listRanges } from "../../src/copy/diff";
import { batchRanges, splitRanges, totalBytes } from "../../src/ranges";
import { StorageAccess } from "../../src/storage/clients";
import { requireBlobUrl } from "../../src/storage/urls";
import type { Endpoints, TaskResult } from "../protocol";
import { numberParam, seconds, stringParam } from "./clients";

export async function planFragmentedDiff(
  endpoints: Endpoints,
  params: Record<string, unknown>,
): Promise<TaskResult> {
  const url = stringParam(params, "responderUrl");
  const sizeBytes = numberParam(params, "sizeBytes");
  const location = requireBlobUrl(`${url}/plan/fragmented`);
  const storage = new StorageAccess({
    endpoints: { blob: [location.serviceUrl], table: [] },
    accountKeys: endpoints.accountKeys,
  });
  const heapBefore = process.memoryUsage().heapUsed;
  const start = process.hrtime.bigint();
  const listing = await listRanges({
    blob: storage.pageBlob(location, { snapshot: "2026-01-02T00:00:00.0000000Z", retry: "none" }),
    prevSnapshot: "2026-01-01T00:00:00.0000000Z",
    sizeBytes,
    segmentBytes: DEFAULT_TUNING.segmentBytes,
  });
  const listSeconds = seconds(start);
  const planStart = process.hrtime.bigint();
  const chunks = splitRanges(listing.changed);
  const batches = batchRanges(chunks, {
    maxBatches: DEFAULT_TUNING.maxBatches,
    minBatchBytes: DEFAULT_TUNING.minBatchBytes,
  });
  const stored = batches.map((writes) => JSON.stringify({ writes, clears: [] }));
  const planSeconds = seconds(planStart);
  const heapAfter = process.memoryUsage().heapUsed;
  return {
    seconds: seconds(start),
    bytes: 0,
    details: {
      ranges: listing.changed.length,
      changedBytes: totalBytes(listing.changed),
      listRequests: listing.requests,
      listSeconds,
      planSeconds,
      batches: batches.length,
      storedBatchBytes: stored.reduce((sum, s) => sum + s.length, 0),
      heapGrowthMiB: (heapAfter - heapBefore) / 1024 / 1024,
    },
  };
}

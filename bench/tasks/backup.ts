// Our backup of one window, called directly (no orchestration): list the allocated or changed ranges of
// the source snapshot with the app's lister, copy them with the app's copy engine (Put Page From URL,
// default tuning), then snapshot the backup blob as the restore point. Restore uses the same engine.
import { DEFAULT_TUNING } from "../../src/app/context";
import { listRanges } from "../../src/copy/diff";
import { copyRanges } from "../../src/copy/engine";
import { MAX_PUT_PAGE_BYTES, splitRanges, totalBytes } from "../../src/ranges";
import { StorageAccess } from "../../src/storage/clients";
import { authorizeSource } from "../../src/storage/sourceAuth";
import { requireBlobUrl } from "../../src/storage/urls";
import type { Endpoints, TaskResult } from "../protocol";
import { type BlobRef, blobRefParam, numberParam, seconds } from "./clients";

function locationOf(endpoints: Endpoints, ref: BlobRef) {
  const endpoint = endpoints.blob[ref.account];
  if (endpoint === undefined) throw new Error(`no endpoint for account ${ref.account}`);
  return requireBlobUrl(`${endpoint}/${ref.container}/${ref.blob}`);
}

export async function ourBackup(endpoints: Endpoints, params: Record<string, unknown>): Promise<TaskResult> {
  const source = blobRefParam(params, "source");
  const target = blobRefParam(params, "destination");
  const sizeBytes = numberParam(params, "sizeBytes");
  const prevSnapshot = typeof params.prevSnapshot === "string" ? params.prevSnapshot : undefined;
  const concurrency =
    typeof params.concurrency === "number" ? params.concurrency : DEFAULT_TUNING.copyConcurrency;
  const sourceLocation = locationOf(endpoints, source);
  const backupLocation = locationOf(endpoints, target);
  const storage = new StorageAccess({
    endpoints: { blob: [sourceLocation.serviceUrl, backupLocation.serviceUrl], table: [] },
    accountKeys: endpoints.accountKeys,
  });

  const start = process.hrtime.bigint();
  const listing = await listRanges({
    blob: storage.pageBlob(sourceLocation, { snapshot: source.snapshot, retry: "none" }),
    prevSnapshot,
    sizeBytes,
    segmentBytes: typeof params.segmentBytes === "number" ? params.segmentBytes : DEFAULT_TUNING.segmentBytes,
  });
  const listSeconds = seconds(start);
  const backupBlob = storage.pageBlob(backupLocation);
  if (prevSnapshot === undefined) {
    await storage.container(backupLocation).createIfNotExists();
    await backupBlob.create(sizeBytes);
  }
  const copyStart = process.hrtime.bigint();
  const stats = await copyRanges({
    source: authorizeSource(storage, sourceLocation, source.snapshot),
    destination: storage.pageBlob(backupLocation, { retry: "none" }),
    writes: listing.changed,
    clears: listing.cleared,
    concurrency,
  });
  const copySeconds = seconds(copyStart);
  const restorePoint = await backupBlob.createSnapshot();
  return {
    seconds: seconds(start),
    bytes: stats.bytesCopied,
    details: {
      listSeconds,
      copySeconds,
      listRequests: listing.requests,
      changedRanges: listing.changed.length,
      clearedRanges: listing.cleared.length,
      changedBytes: totalBytes(listing.changed),
      plannedWrites: splitRanges(listing.changed, MAX_PUT_PAGE_BYTES).length,
      engineRequests: stats.requests,
      retries: stats.retries,
      throttled: stats.throttled,
      concurrency,
      backupSnapshot: restorePoint.snapshot ?? "",
    },
  };
}

// Our backup of one window, called directly (no orchestration): list the allocated or changed ranges of
// the source snapshot with the app's lister, copy them with the app's copy engine (Put Page From URL,
// default tuning), then snapshot the backup blob as the restore point. Restore uses the same engine.
import { DEFAULT_TUNING } from "../../src/app/context";
import { pacingOf } from "../../src/copy/batches";
import { bridgeSmallGaps } from "../../src/copy/bridge";
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

  const segmentBytes =
    typeof params.segmentBytes === "number" ? params.segmentBytes : DEFAULT_TUNING.segmentBytes;
  const maxGap =
    typeof params.bridgeGapBytes === "number" ? params.bridgeGapBytes : DEFAULT_TUNING.bridgeGapBytes;
  const snapshotBlob = storage.pageBlob(sourceLocation, { snapshot: source.snapshot, retry: "none" });
  const start = process.hrtime.bigint();
  const listing = await listRanges({ blob: snapshotBlob, prevSnapshot, sizeBytes, segmentBytes });
  // As the backup's plan step does: small unchanged gaps between changes are copied along when that saves
  // requests (incremental only).
  const bridged =
    prevSnapshot === undefined
      ? { writes: listing.changed, bridgedBytes: 0, requestsSaved: 0, listRequests: 0 }
      : await bridgeSmallGaps(listing.changed, { blob: snapshotBlob, sizeBytes, maxGap, segmentBytes });
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
    writes: bridged.writes,
    clears: listing.cleared,
    concurrency,
    // Paced at the service's targets like the app, unless the scenario says nothing enforces them.
    pacing: params.pace === false ? undefined : pacingOf(DEFAULT_TUNING),
  });
  const copySeconds = seconds(copyStart);
  const restorePoint = params.snapshotAfter === false ? { snapshot: "" } : await backupBlob.createSnapshot();
  return {
    seconds: seconds(start),
    bytes: stats.bytesCopied,
    details: {
      listSeconds,
      copySeconds,
      listRequests: listing.requests + bridged.listRequests,
      bridgedBytes: bridged.bridgedBytes,
      requestsSaved: bridged.requestsSaved,
      changedRanges: listing.changed.length,
      clearedRanges: listing.cleared.length,
      changedBytes: totalBytes(listing.changed),
      plannedWrites: splitRanges(listing.changed, MAX_PUT_PAGE_BYTES).length,
      engineRequests: stats.requests,
      retries: stats.retries,
      throttled: stats.throttled,
      concurrency,
      paced: params.pace === false ? 0 : 1,
      backupSnapshot: restorePoint.snapshot ?? "",
    },
  };
}

/**
 * The copy engine alone over many disks' windows (list the diff, bridge, copy), `parallelDisks` disks at a
 * time as the local runtime runs its copy activities: the wall time, and the sum of the per-disk times.
 */
export async function engineManyDisks(
  endpoints: Endpoints,
  params: Record<string, unknown>,
): Promise<TaskResult> {
  const disks = params.disks as Array<{ source: unknown; destination: unknown; prevSnapshot: string }>;
  const sizeBytes = numberParam(params, "sizeBytes");
  const parallelDisks = numberParam(params, "parallelDisks");
  const perDisk: number[] = [];
  let bytes = 0;
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: Math.min(parallelDisks, disks.length) }, async () => {
      while (next < disks.length) {
        const disk = disks[next++]!;
        const result = await ourBackup(endpoints, { ...disk, sizeBytes, snapshotAfter: false });
        perDisk.push(result.seconds);
        bytes += result.bytes;
      }
    }),
  );
  return {
    seconds: seconds(start),
    bytes,
    details: {
      disks: disks.length,
      parallelDisks,
      sumSeconds: perDisk.reduce((a, b) => a + b, 0),
      maxDiskSeconds: Math.max(...perDisk),
    },
  };
}

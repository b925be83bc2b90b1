// Copy batches, shared by backup and restore: a range list split into bounded batch documents, and the
// copy of one batch into a destination blob under a lease the run holds (renewed while it writes).
import type { ContainerClient, PageBlobClient } from "@azure/storage-blob";
import type { AppContext, Tuning } from "../app/context";
import { type ByteRange, batchRanges, splitRanges, totalBytes } from "../ranges";
import { holdLease, keepLease } from "../storage/lease";
import { authorizeSource, type SourceAuthorizer } from "../storage/sourceAuth";
import { requireBlobUrl } from "../storage/urls";
import { type CopyStats, copyRanges, type Pacing } from "./engine";
import { relayRanges } from "./relay";
import { type CheckpointDoc, loadBatch, loadCheckpointDoc, noCheckpoint, saveCheckpoint } from "./runStore";

/** The ranges of one batch: written with Put Page From URL, or cleared. Stored in the run store. */
export interface BatchDoc {
  writes: ByteRange[];
  clears: ByteRange[];
}

/**
 * What one call of a batch did (the copy engine's counters) and whether the batch is done: a batch that
 * reached its time budget stops, records its checkpoint, and is called again to go on from there.
 */
export interface BatchResult extends CopyStats {
  done: boolean;
  /**
   * A relay batch that travelled inline and finished: the SHA-256 of each operation's bytes as read ("" for
   * clears), returned here instead of saved to the run store (bounded like its ranges).
   */
  digests?: string[];
}

/** Where a batch's ranges and its checkpoint live in the run store. */
export interface BatchRef {
  container: ContainerClient;
  diskId: string;
  /** The run's key under the disk (a restore point id, or a restore's copy phase). */
  key: string;
  batch: number;
}

export type BatchTuning = Pick<
  Tuning,
  "maxBatches" | "minBatchBytes" | "maxClearsPerBatch" | "batchWindow" | "stepBudgetMs" | "blobBytesPerSecond"
>;

/** The pacers' rates for blobs this app reads and writes (the service's targets unless tuned). */
export function pacingOf(
  tuning: Pick<Tuning, "blobBytesPerSecond" | "blobRequestsPerSecond" | "paceBlobTargets">,
): Pacing | undefined {
  if (!tuning.paceBlobTargets) return undefined;
  return { bytesPerSecond: tuning.blobBytesPerSecond, requestsPerSecond: tuning.blobRequestsPerSecond };
}

/**
 * How many write batches a copy of `totalBytes` gets, from a time budget: enough that one batch fits one
 * step at the blob's rate shared by a window of batches (bigger ones resume from their checkpoint), and
 * enough to fill a window when the copy is large, but none smaller than `minBatchBytes` and never more
 * than `maxBatches` (the orchestration's history stays bounded).
 */
export function batchCountFor(tuning: BatchTuning, totalBytes: number): number {
  if (totalBytes <= 0) return 0;
  const perBatchRate = tuning.blobBytesPerSecond / Math.max(1, tuning.batchWindow);
  const budgetBytes = Math.max(1, perBatchRate * (tuning.stepBudgetMs / 1000) * 0.8);
  const byBudget = Math.ceil(totalBytes / budgetBytes);
  const bySize = Math.max(1, Math.floor(totalBytes / Math.max(1, tuning.minBatchBytes)));
  const byWindow = Math.min(tuning.batchWindow, bySize);
  return Math.max(1, Math.min(tuning.maxBatches, Math.max(byBudget, byWindow)));
}

/**
 * Splits a range list into batch documents: writes in ≤ 4 MiB requests grouped into balanced batches
 * (as many as batchCountFor says), clears in batches of `maxClearsPerBatch` (each clear is one request
 * whatever its size).
 */
export function toBatchDocs(tuning: BatchTuning, writes: ByteRange[], clears: ByteRange[]): BatchDoc[] {
  const chunks = splitRanges(writes);
  const maxBatches = Math.max(1, batchCountFor(tuning, totalBytes(chunks)));
  const docs: BatchDoc[] = batchRanges(chunks, { maxBatches }).map((w) => ({
    writes: w,
    clears: [],
  }));
  const { maxClearsPerBatch } = tuning;
  for (let i = 0; i < clears.length; i += maxClearsPerBatch) {
    docs.push({ writes: [], clears: clears.slice(i, i + maxClearsPerBatch) });
  }
  return docs;
}

/** One stored batch copied from a source (snapshot) into a destination blob, under a lease if given. */
export interface BatchCopy {
  /** How the source is read, when not by the app's own credential (a managed disk snapshot's SAS). */
  source?: SourceAuthorizer;
  sourceUrl: string;
  sourceSnapshot: string | undefined;
  destinationUrl: string;
  /** The destination's client when it carries its own authorization (a managed disk's upload SAS). */
  destination?: PageBlobClient;
  leaseId: string | undefined;
  batch: BatchRef;
  /** The batch's ranges when they travel inline (a small run's batches); else read from the run store. */
  ranges?: BatchDoc | undefined;
  /**
   * No call of this batch stopped at its time budget before: an inline batch then starts at its first
   * operation without reading a checkpoint (a retry after a crash copies its few ranges again).
   */
  firstCall?: boolean;
  /** Must settle before the first write (the caller's lock renewal), awaited alongside the leases. */
  ready?: Promise<unknown>;
}

/**
 * A batch's (or a verification part's) checkpoint. An inline batch's first call reads none: only a crashed
 * attempt could have left one, and doing its few operations again is harmless. A call made again after
 * stopping at its time budget (not first), or a stored batch's, reads it and goes on from there.
 */
export function checkpointOf(
  ref: BatchRef,
  call: { inline: boolean; firstCall: boolean },
): Promise<CheckpointDoc> {
  if (call.inline && call.firstCall) return Promise.resolve(noCheckpoint());
  return loadCheckpointDoc(ref.container, ref.diskId, ref.key, ref.batch);
}

/** How often a running batch records its checkpoint (what a crash can make it copy again). */
const CHECKPOINT_EVERY_MS = 10_000;

/**
 * Saves a batch's checkpoint (with the digests of its done operations, when given) every
 * CHECKPOINT_EVERY_MS while it runs, and once more at the end; also used by a restore's verification.
 */
export function checkpointer(ref: BatchRef, from: number) {
  const { container, diskId, key, batch } = ref;
  let saved = from;
  let lastSave = Date.now();
  let saving: Promise<void> = Promise.resolve();
  const save = (operationsDone: number, digests?: readonly string[]) => {
    if (operationsDone <= saved) return saving;
    saved = operationsDone;
    lastSave = Date.now();
    const copy = digests?.slice(0, operationsDone);
    saving = saving.then(() => saveCheckpoint(container, diskId, key, batch, operationsDone, copy));
    return saving;
  };
  return {
    save,
    /** For onProgress: saves when the last save is old enough. */
    tick: (operationsDone: number, digests?: readonly string[]) => {
      if (Date.now() - lastSave >= CHECKPOINT_EVERY_MS) void save(operationsDone, digests);
    },
    /** Waits for a save in flight (a finished step that saves nothing more must not leave one behind). */
    settled: () => saving,
  };
}

/**
 * Holds (and renews) the leases while `work` runs. `work` starts once `loads` (the batch's documents) are
 * in, with `writable`: settled once the leases and the caller's lock renewal (`ready`) are held, which
 * every write awaits (reads may go first). Fails as the leases fail, even if `work` wrote nothing.
 */
async function underLeases<L, T>(
  ctx: AppContext,
  leases: Array<{ url: string; leaseId: string | undefined }>,
  loads: Promise<L>,
  ready: Promise<unknown> | undefined,
  work: (loaded: L, writable: Promise<void>) => Promise<T>,
): Promise<T> {
  const held = leases.filter((l): l is { url: string; leaseId: string } => l.leaseId !== undefined);
  const blobs = held.map((l) => ({ blob: ctx.storage.pageBlob(requireBlobUrl(l.url)), leaseId: l.leaseId }));
  const writable = Promise.all([
    ready,
    ...blobs.map((b) => holdLease(b.blob, b.leaseId, ctx.tuning.leaseSeconds)),
  ]).then(() => undefined);
  let stopped = false;
  const keepers: Array<{ stop(): void }> = [];
  // Renewals start once the leases are held, never after the step ended; a failure is thrown below.
  writable.then(
    () => {
      if (!stopped) keepers.push(...blobs.map((b) => keepLease(b.blob, b.leaseId, ctx.tuning.leaseSeconds)));
    },
    () => {},
  );
  try {
    const result = await loads.then((loaded) => work(loaded, writable));
    await writable;
    return result;
  } catch (error) {
    // Nothing keeps running behind a failed step: the lease requests settle first.
    await writable.catch(() => undefined);
    throw error;
  } finally {
    stopped = true;
    for (const keeper of keepers) keeper.stop();
  }
}

/**
 * Copies one batch with the copy engine, holding (and renewing) the destination's lease while it writes,
 * so a second writer, even from another deployment, cannot write the same blob at the same time. It
 * starts where the batch's checkpoint says, stops starting requests when the step's time budget is
 * spent, and records its checkpoint on the way and at the end: a continued batch never starts over, nor
 * does a retried one but for an inline batch's first call (its few ranges are copied again).
 */
export async function copyBatchUnderLease(
  ctx: AppContext,
  copy: BatchCopy,
  signal?: AbortSignal,
): Promise<BatchResult> {
  const { container, diskId, key, batch } = copy.batch;
  const loads = Promise.all([
    copy.ranges ?? loadBatch(container, diskId, key, batch),
    checkpointOf(copy.batch, { inline: copy.ranges !== undefined, firstCall: copy.firstCall === true }).then(
      (c) => c.operationsDone,
    ),
  ]);
  // A destination reached through its own SAS (an upload) takes no lease and no credential of the app.
  const destination = copy.destination ? undefined : requireBlobUrl(copy.destinationUrl);
  const { leaseId } = copy;
  const leases = destination ? [{ url: copy.destinationUrl, leaseId }] : [];
  return underLeases(ctx, leases, loads, copy.ready, async ([doc, skip], writable) => {
    // Every operation of a server-side copy writes: none starts before the leases are held.
    await writable;
    const saver = checkpointer(copy.batch, skip);
    const stats = await copyRanges({
      source:
        copy.source ?? authorizeSource(ctx.storage, requireBlobUrl(copy.sourceUrl), copy.sourceSnapshot),
      destination:
        copy.destination ??
        ctx.storage.pageBlob(destination ?? requireBlobUrl(copy.destinationUrl), { retry: "none" }),
      writes: doc.writes,
      clears: doc.clears,
      leaseId,
      concurrency: ctx.tuning.copyConcurrency,
      pacing: pacingOf(ctx.tuning),
      signal,
      skipOperations: skip,
      stopStartingAt: Date.now() + ctx.tuning.stepBudgetMs,
      onProgress: (progress) => saver.tick(progress.operationsDone),
    });
    const done = stats.operationsDone >= stats.operationsTotal;
    // A finished batch is not called again (a retry after a crash copies the same bytes once more).
    await (done ? saver.settled() : saver.save(stats.operationsDone));
    return { ...stats, done };
  });
}

/** One stored batch relayed (read here, hashed, written) from a snapshot into one or more blobs. */
export interface BatchRelay {
  sourceUrl: string;
  sourceSnapshot: string | undefined;
  destinations: Array<{ url: string; leaseId: string | undefined }>;
  batch: BatchRef;
  /** As BatchCopy.ranges. */
  ranges?: BatchDoc | undefined;
  /** As BatchCopy.firstCall. */
  firstCall?: boolean;
  /** As BatchCopy.ready. */
  ready?: Promise<unknown>;
}

/**
 * Like copyBatchUnderLease, for a relay copy: the digests of what it read are kept with the checkpoint,
 * so a later step can verify the destination against the source's bytes without reading them again.
 */
export async function relayBatchUnderLease(
  ctx: AppContext,
  copy: BatchRelay,
  signal?: AbortSignal,
): Promise<BatchResult> {
  const { container, diskId, key, batch } = copy.batch;
  const loads = Promise.all([
    copy.ranges ?? loadBatch(container, diskId, key, batch),
    checkpointOf(copy.batch, { inline: copy.ranges !== undefined, firstCall: copy.firstCall === true }),
  ]);
  return underLeases(ctx, copy.destinations, loads, copy.ready, async ([doc, checkpoint], writable) => {
    // A checkpoint without digests (none recorded) cannot be resumed from: start the batch over.
    const skip = checkpoint.digests.length === checkpoint.operationsDone ? checkpoint.operationsDone : 0;
    const saver = checkpointer(copy.batch, skip);
    const stats = await relayRanges({
      source: ctx.storage.pageBlob(requireBlobUrl(copy.sourceUrl), {
        snapshot: copy.sourceSnapshot,
        retry: "none",
      }),
      destinations: copy.destinations.map((d) => ({
        blob: ctx.storage.pageBlob(requireBlobUrl(d.url), { retry: "none" }),
        leaseId: d.leaseId,
      })),
      writes: doc.writes,
      clears: doc.clears,
      concurrency: ctx.tuning.copyConcurrency,
      pacing: pacingOf(ctx.tuning),
      signal,
      skipOperations: skip,
      digests: checkpoint.digests,
      // The first reads go out while the leases are taken; the writes wait for them.
      writable,
      stopStartingAt: Date.now() + ctx.tuning.stepBudgetMs,
      onProgress: (progress) => saver.tick(progress.operationsDone, progress.digests),
    });
    const { digests, ...counters } = stats;
    const done = stats.operationsDone >= stats.operationsTotal;
    // An inline batch hands its digests to the verification with its result; another keeps them stored.
    if (done && copy.ranges) {
      await saver.settled();
      return { ...counters, done, digests };
    }
    await saver.save(stats.operationsDone, digests);
    return { ...counters, done };
  });
}

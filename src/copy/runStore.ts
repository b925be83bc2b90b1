// The run store: per-run range lists kept outside the orchestration history, one small JSON blob per
// copy batch under a reserved prefix of the backup container, so orchestrations pass only batch numbers.
import type { ContainerClient } from "@azure/storage-blob";
import type { ByteRange } from "../ranges";
import { statusOf } from "../storage/errors";
import type { BatchDoc } from "./batches";

/** Reserved prefix in the backup container (backup blob names start with an account name, never `_`). */
export const RUNS_PREFIX = "_runs/";

type Pair = [number, number];

/** A batch's ranges as [offset, length] pairs: its stored form, and its form inline in a step's input. */
export interface StoredBatch {
  writes: Pair[];
  clears: Pair[];
}

/**
 * A run whose batches hold at most this many ranges in all (or a verification window's part) travels
 * inline, in the orchestration's history, instead of the run store: bounded (a few dozen bytes per
 * range), and a write, a read and a delete fewer per batch.
 */
export const MAX_INLINE_RANGES = 64;

function runPrefix(diskId: string, restorePointId: string): string {
  return `${RUNS_PREFIX}${diskId}/${restorePointId}/`;
}

function batchName(diskId: string, restorePointId: string, batch: number): string {
  return `${runPrefix(diskId, restorePointId)}batch-${String(batch).padStart(5, "0")}.json`;
}

const toPairs = (ranges: ByteRange[]): Pair[] => ranges.map((r) => [r.offset, r.length]);
const fromPairs = (pairs: Pair[]): ByteRange[] => pairs.map(([offset, length]) => ({ offset, length }));

export function toStoredBatch(doc: BatchDoc): StoredBatch {
  return { writes: toPairs(doc.writes), clears: toPairs(doc.clears) };
}

export function fromStoredBatch(stored: StoredBatch): BatchDoc {
  return { writes: fromPairs(stored.writes), clears: fromPairs(stored.clears) };
}

/** The batches of `docs` in their inline form, when they are few enough ranges to travel in the history. */
export function inlineBatchesOf(docs: readonly BatchDoc[]): StoredBatch[] | undefined {
  if (docs.length === 0) return undefined;
  const ranges = docs.reduce((sum, d) => sum + d.writes.length + d.clears.length, 0);
  return ranges <= MAX_INLINE_RANGES ? docs.map(toStoredBatch) : undefined;
}

/** A plan's or a prepared copy's inline batches (a result recorded before they were a list has one). */
export function inlineBatchesIn(result: {
  inlineBatches?: StoredBatch[] | undefined;
  inlineBatch?: StoredBatch | undefined;
}): StoredBatch[] | undefined {
  return result.inlineBatches ?? (result.inlineBatch ? [result.inlineBatch] : undefined);
}

/** Every range of `batches` as one inline batch (what a check over the whole copy reads). */
export function mergedBatch(batches: readonly StoredBatch[]): StoredBatch {
  return { writes: batches.flatMap((b) => b.writes), clears: batches.flatMap((b) => b.clears) };
}

/** Writes (or overwrites: idempotent) the batch documents of a run. */
export async function saveBatches(
  container: ContainerClient,
  diskId: string,
  restorePointId: string,
  batches: BatchDoc[],
): Promise<void> {
  const limit = 8;
  for (let i = 0; i < batches.length; i += limit) {
    await Promise.all(
      batches.slice(i, i + limit).map((doc, j) => {
        const body = JSON.stringify(toStoredBatch(doc));
        return container
          .getBlockBlobClient(batchName(diskId, restorePointId, i + j))
          .upload(body, Buffer.byteLength(body), {
            blobHTTPHeaders: { blobContentType: "application/json" },
          });
      }),
    );
  }
}

/** A small document in one GET (downloadToBuffer without a range asks for the size first). */
async function readDoc(container: ContainerClient, name: string): Promise<Buffer> {
  const response = await container.getBlockBlobClient(name).download();
  const chunks: Buffer[] = [];
  for await (const chunk of response.readableStreamBody ?? []) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function loadBatch(
  container: ContainerClient,
  diskId: string,
  restorePointId: string,
  batch: number,
): Promise<BatchDoc> {
  const buffer = await readDoc(container, batchName(diskId, restorePointId, batch));
  return fromStoredBatch(JSON.parse(buffer.toString("utf8")) as StoredBatch);
}

function checkpointName(diskId: string, restorePointId: string, batch: number): string {
  return batchName(diskId, restorePointId, batch).replace(/\.json$/, ".done.json");
}

/** A batch's checkpoint with the digests of its done operations (copies that read what they write). */
export interface CheckpointDoc {
  operationsDone: number;
  /** One per done operation, in operation order ("" for an operation that reads nothing). */
  digests: string[];
}

/** Where a batch starts that never recorded progress: nothing done, no digests. */
export const noCheckpoint = (): CheckpointDoc => ({ operationsDone: 0, digests: [] });

/** Where a batch is: how many of its operations are done, in order, without a gap, and their digests. */
export async function loadCheckpointDoc(
  container: ContainerClient,
  diskId: string,
  restorePointId: string,
  batch: number,
): Promise<CheckpointDoc> {
  try {
    const buffer = await readDoc(container, checkpointName(diskId, restorePointId, batch));
    const doc = JSON.parse(buffer.toString("utf8")) as { operationsDone?: unknown; digests?: unknown };
    const done = typeof doc.operationsDone === "number" && doc.operationsDone >= 0 ? doc.operationsDone : 0;
    const digests = Array.isArray(doc.digests) ? doc.digests.map(String) : [];
    // Digests are kept for done operations only; a shorter list means they were not recorded.
    return { operationsDone: done, digests: digests.length >= done ? digests.slice(0, done) : [] };
  } catch (error) {
    if (statusOf(error) === 404) return noCheckpoint();
    throw error;
  }
}

/** Records a batch's progress, so a retried or continued batch resumes instead of starting over. */
export async function saveCheckpoint(
  container: ContainerClient,
  diskId: string,
  restorePointId: string,
  batch: number,
  operationsDone: number,
  digests?: readonly string[],
): Promise<void> {
  const body = JSON.stringify(
    digests === undefined
      ? { operationsDone }
      : { operationsDone, digests: digests.slice(0, operationsDone) },
  );
  await container
    .getBlockBlobClient(checkpointName(diskId, restorePointId, batch))
    .upload(body, Buffer.byteLength(body), { blobHTTPHeaders: { blobContentType: "application/json" } });
}

/** Removes a run's documents (after completion or failure). */
export async function deleteRun(
  container: ContainerClient,
  diskId: string,
  restorePointId: string,
): Promise<void> {
  await deleteUnder(container, runPrefix(diskId, restorePointId));
}

/** Removes the documents of every run key of a disk that starts with `keyPrefix` (one listing). */
export async function deleteRunsStartingWith(
  container: ContainerClient,
  diskId: string,
  keyPrefix: string,
): Promise<void> {
  await deleteUnder(container, `${RUNS_PREFIX}${diskId}/${keyPrefix}`);
}

async function deleteUnder(container: ContainerClient, prefix: string): Promise<void> {
  const names: string[] = [];
  for await (const item of container.listBlobsFlat({ prefix })) names.push(item.name);
  for (let i = 0; i < names.length; i += 8)
    await Promise.all(names.slice(i, i + 8).map((name) => container.getBlobClient(name).deleteIfExists()));
}

/** A run's named JSON document (e.g. a managed disk's snapshot access), kept with its batches. */
function docName(diskId: string, restorePointId: string, name: string): string {
  return `${runPrefix(diskId, restorePointId)}${name}.json`;
}

/** Writes (or replaces) a named document of a run. */
export async function saveRunDoc(
  container: ContainerClient,
  diskId: string,
  restorePointId: string,
  name: string,
  doc: unknown,
): Promise<void> {
  const body = JSON.stringify(doc);
  await container
    .getBlockBlobClient(docName(diskId, restorePointId, name))
    .upload(body, Buffer.byteLength(body), { blobHTTPHeaders: { blobContentType: "application/json" } });
}

/** A named document of a run, or undefined when it was never written (or the run was removed). */
export async function loadRunDoc<T>(
  container: ContainerClient,
  diskId: string,
  restorePointId: string,
  name: string,
): Promise<T | undefined> {
  try {
    const buffer = await container
      .getBlockBlobClient(docName(diskId, restorePointId, name))
      .downloadToBuffer();
    return JSON.parse(buffer.toString("utf8")) as T;
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}

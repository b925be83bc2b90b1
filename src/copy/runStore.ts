// The run store: per-run range lists kept outside the orchestration history, one small JSON blob per
// copy batch under a reserved prefix of the backup container, so orchestrations pass only batch numbers.
import type { ContainerClient } from "@azure/storage-blob";
import type { ByteRange } from "../ranges";
import { statusOf } from "../storage/errors";
import type { BatchDoc } from "./batches";

/** Reserved prefix in the backup container (backup blob names start with an account name, never `_`). */
export const RUNS_PREFIX = "_runs/";

type Pair = [number, number];

function runPrefix(diskId: string, restorePointId: string): string {
  return `${RUNS_PREFIX}${diskId}/${restorePointId}/`;
}

function batchName(diskId: string, restorePointId: string, batch: number): string {
  return `${runPrefix(diskId, restorePointId)}batch-${String(batch).padStart(5, "0")}.json`;
}

const toPairs = (ranges: ByteRange[]): Pair[] => ranges.map((r) => [r.offset, r.length]);
const fromPairs = (pairs: Pair[]): ByteRange[] => pairs.map(([offset, length]) => ({ offset, length }));

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
        const body = JSON.stringify({ writes: toPairs(doc.writes), clears: toPairs(doc.clears) });
        return container
          .getBlockBlobClient(batchName(diskId, restorePointId, i + j))
          .upload(body, Buffer.byteLength(body), {
            blobHTTPHeaders: { blobContentType: "application/json" },
          });
      }),
    );
  }
}

export async function loadBatch(
  container: ContainerClient,
  diskId: string,
  restorePointId: string,
  batch: number,
): Promise<BatchDoc> {
  const buffer = await container
    .getBlockBlobClient(batchName(diskId, restorePointId, batch))
    .downloadToBuffer();
  const doc = JSON.parse(buffer.toString("utf8")) as { writes: Pair[]; clears: Pair[] };
  return { writes: fromPairs(doc.writes), clears: fromPairs(doc.clears) };
}

function checkpointName(diskId: string, restorePointId: string, batch: number): string {
  return batchName(diskId, restorePointId, batch).replace(/\.json$/, ".done.json");
}

/** Where a batch is: how many of its operations are done, in order, without a gap (0: none). */
export async function loadCheckpoint(
  container: ContainerClient,
  diskId: string,
  restorePointId: string,
  batch: number,
): Promise<number> {
  try {
    const buffer = await container
      .getBlockBlobClient(checkpointName(diskId, restorePointId, batch))
      .downloadToBuffer();
    const doc = JSON.parse(buffer.toString("utf8")) as { operationsDone?: unknown };
    return typeof doc.operationsDone === "number" && doc.operationsDone >= 0 ? doc.operationsDone : 0;
  } catch (error) {
    if (statusOf(error) === 404) return 0;
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
): Promise<void> {
  const body = JSON.stringify({ operationsDone });
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
  for await (const item of container.listBlobsFlat({ prefix: runPrefix(diskId, restorePointId) })) {
    await container.getBlobClient(item.name).deleteIfExists();
  }
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

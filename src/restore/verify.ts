// Verification of a restored disk against the restore point's backup snapshot (not the promoted copy, so
// the whole path is checked). A full restore's target was copied server side: each range is read from
// both the restore point and the disk and compared as it arrives (compareRange.ts; the service promotes
// the same restore point into the new chain's backup blob meanwhile: promote.ts). A revert read every
// range of the restore point once and kept its SHA-256: the disk is read back and compared with those
// digests. The layout part checks what lies outside the copied ranges: zeros where only the disk has
// pages (full), or, for a revert, that the disk changed nowhere but in the reverted ranges since its
// safety snapshot.
import type { PageBlobClient } from "@azure/storage-blob";
import type { AppContext } from "../app/context";
import { checkpointer, checkpointOf, pacingOf } from "../copy/batches";
import { listRanges } from "../copy/diff";
import { pacerOf } from "../copy/engine";
import { readRange, relayOperations, sha256 } from "../copy/relay";
import { runOperations } from "../copy/runner";
import { fromStoredBatch, loadBatch, loadCheckpointDoc } from "../copy/runStore";
import { firstDifference } from "../copy/streamCompare";
import { type ByteRange, coalesce, splitRanges, subtractRanges, totalBytes } from "../ranges";
import { ensureSnapshot } from "../storage/snapshots";
import { requireBlobUrl } from "../storage/urls";
import { compareWithPoint, VERIFY_CHUNK_BYTES, VerificationError } from "./compareRange";
import { snapshotTagOf } from "./naming";
import { runStoreOf } from "./store";
import type { RestoreMode, Verification, VerifyPartInput, VerifyPartResult } from "./types";

export const VERIFY_METHOD =
  "sha256 per read (<= 8 MiB) of every range allocated in the backup snapshot against the same range " +
  "of the restored disk, both read back after the copy; ranges allocated only on the restored disk read " +
  "back as zeros";
export const REVERT_VERIFY_METHOD =
  "sha256 per read (<= 8 MiB) of every range written, as read from the backup snapshot, against the disk " +
  "read back; cleared ranges unallocated; the service's diff of the disk since its safety snapshot lies " +
  "within the reverted ranges, and the backup chain's diff leaves the rest equal to the restore point";

/** Blob clients of a verification: the restore point and the disk. */
function blobsOf(ctx: AppContext, input: VerifyPartInput) {
  const { run } = input;
  return {
    expected: ctx.storage.pageBlob(requireBlobUrl(run.backupUrl), { snapshot: run.backupSnapshot }),
    actual: ctx.storage.pageBlob(requireBlobUrl(run.targetUrl), { retry: "none" }),
  };
}

/** Compares one copied batch of the disk with the restore point. */
async function verifyBatch(
  ctx: AppContext,
  input: VerifyPartInput,
  batch: number,
): Promise<VerifyPartResult> {
  const { run, mode } = input;
  const copy = runStoreOf(ctx, { phase: mode === "revert" ? "revert" : "restore", run });
  const own = runStoreOf(ctx, { phase: "verify", run });
  const full = mode === "full";
  const [doc, copied, checkpoint] = await Promise.all([
    input.ranges ? fromStoredBatch(input.ranges) : loadBatch(copy.container, copy.diskId, copy.key, batch),
    // A revert's relay kept the digest of every read (inline: handed over in the input); a full
    // restore's copy ran server side and kept none.
    full
      ? { operationsDone: 0, digests: [] }
      : input.digests
        ? { operationsDone: input.digests.length, digests: input.digests }
        : loadCheckpointDoc(copy.container, copy.diskId, copy.key, batch),
    checkpointOf(
      { ...own, batch },
      { inline: input.ranges !== undefined, firstCall: input.resumed !== true },
    ),
  ]);
  const all = relayOperations(doc.writes, doc.clears);
  if (!full && (copied.operationsDone < all.length || copied.digests.length < all.length))
    throw new Error(
      `batch ${batch} of the restore copy is not done (${copied.operationsDone}/${all.length})`,
    );
  const ops = all.flatMap((op, index) => (op.kind === "write" ? [{ ...op, index }] : []));
  // A full restore keeps the digest of each range it verified with its own checkpoint (as a relay does),
  // so a continued part resumes; one recorded without them starts over.
  const skip =
    !full || checkpoint.digests.length >= checkpoint.operationsDone ? checkpoint.operationsDone : 0;
  const verified: string[] = full
    ? checkpoint.digests.slice(0, skip)
    : ops.map((op) => copied.digests[op.index] ?? "");
  const { expected, actual } = blobsOf(ctx, input);
  const concurrency = ctx.tuning.copyConcurrency;
  const pacing = pacingOf(ctx.tuning);
  const actualPacer = pacerOf(actual, concurrency, pacing);
  const expectedPacer = pacerOf(expected, concurrency, pacing);
  const saver = checkpointer({ ...own, batch }, skip);
  const kept = () => (full ? verified : undefined);
  let bytes = 0;
  const stats = await runOperations({
    ops,
    skip,
    concurrency,
    pacer: actualPacer,
    stopStartingAt: Date.now() + ctx.tuning.stepBudgetMs,
    // The reads and each Put Page are paced right before they are sent; the runner bounds what is in flight.
    pacesItself: true,
    bytesOf: (op) => op.range.length,
    describe: (op) => `verify ${op.range.offset}+${op.range.length}`,
    attempt: async (op, i, signal) => {
      const { offset, length } = op.range;
      if (full) {
        await Promise.all([expectedPacer.pace(length, signal), actualPacer.pace(length, signal)]);
        verified[i] = await compareWithPoint(expected, actual, op.range, signal);
        return;
      }
      // A revert: the disk read back against the digest of what the relay read from the restore point.
      await actualPacer.pace(length, signal);
      const got = await readRange(actual, offset, length, signal);
      const want = verified[i] ?? "";
      if (sha256(got) !== want) {
        const bytesWanted = await readRange(expected, offset, length, signal);
        throw new VerificationError(
          `the restored disk differs from the backup snapshot at byte ${offset + firstDifference(bytesWanted, got)} (chunk ${offset}+${length})`,
        );
      }
      verified[i] = want;
    },
    onDone: (op, _i, progress) => {
      bytes += op.range.length;
      saver.tick(progress.operationsDone, kept());
    },
  });
  const done = stats.operationsDone >= ops.length;
  // A finished part is not called again: only an unfinished one leaves where to resume.
  await (done ? saver.settled() : saver.save(stats.operationsDone, kept()));
  if (!done) return { bytesCompared: bytes, chunks: 0, digest: "", done };
  return {
    bytesCompared: totalBytes(ops.map((op) => op.range)),
    chunks: ops.length,
    digest: sha256(verified.join("")),
    done,
  };
}

/** Ranges that must read as zeros on the disk: a mismatch names the first non-zero byte. */
async function expectZeros(blob: PageBlobClient, ranges: ByteRange[]): Promise<number> {
  let bytes = 0;
  for (const { offset, length } of splitRanges(coalesce(ranges), VERIFY_CHUNK_BYTES)) {
    const got = await readRange(blob, offset, length);
    const at = got.findIndex((b) => b !== 0);
    if (at >= 0)
      throw new VerificationError(
        `the restored disk differs from the backup snapshot at byte ${offset + at} (chunk ${offset}+${length}: the backup has no data there)`,
      );
    bytes += length;
  }
  return bytes;
}

/** Full restore: same size, and every page only the disk has reads as zeros. */
async function verifyLayout(ctx: AppContext, input: VerifyPartInput): Promise<VerifyPartResult> {
  const { expected, actual } = blobsOf(ctx, input);
  const [want, got] = await Promise.all([expected.getProperties(), actual.getProperties()]);
  if (want.contentLength !== got.contentLength) {
    throw new VerificationError(
      `the restored disk has ${got.contentLength} bytes, the backup snapshot ${want.contentLength}`,
    );
  }
  const sizeBytes = want.contentLength ?? 0;
  const segmentBytes = ctx.tuning.segmentBytes;
  const [a, b] = await Promise.all([
    listRanges({
      blob: ctx.storage.pageBlob(requireBlobUrl(input.run.backupUrl), {
        snapshot: input.run.backupSnapshot,
        retry: "none",
      }),
      sizeBytes,
      segmentBytes,
    }),
    listRanges({ blob: actual, sizeBytes, segmentBytes }),
  ]);
  const oneSided = subtractRanges(b.changed, a.changed);
  const bytes = await expectZeros(actual, oneSided);
  return { bytesCompared: bytes, chunks: oneSided.length, digest: sha256(`zeros:${bytes}`), done: true };
}

/**
 * Revert: same size; the disk's own diff since its safety snapshot lies inside the ranges the revert
 * touched (nothing else changed, and the chain's diff says the rest equals the restore point); cleared
 * ranges hold no pages. Takes the disk's snapshot the restore records (found again by its tag).
 */
async function verifyRevertLayout(ctx: AppContext, input: VerifyPartInput): Promise<VerifyPartResult> {
  const { run } = input;
  if (input.beforeSnapshot === undefined) throw new Error("a revert's layout needs the safety snapshot");
  const target = requireBlobUrl(run.targetUrl);
  const store = runStoreOf(ctx, { phase: "revert", run });
  const sizeRead = ctx.storage
    .pageBlob(target)
    .getProperties()
    .then((p) => p.contentLength ?? 0);
  const segmentBytes = ctx.tuning.segmentBytes;
  /** The disk's diff since its safety snapshot, and its allocated ranges, in one snapshot of it. */
  const layoutIn = async (snapshotId: string) => {
    const sizeBytes = await sizeRead;
    const snapshot = ctx.storage.pageBlob(target, { snapshot: snapshotId, retry: "none" });
    return Promise.all([
      listRanges({ blob: snapshot, prevSnapshot: input.beforeSnapshot, sizeBytes, segmentBytes }),
      listRanges({ blob: snapshot, sizeBytes, segmentBytes }),
    ]);
  };
  // The layout is listed as soon as the service made the snapshot, beside the lookup that keeps it (a
  // retried step's older twin wins: the layout is then listed again from that one).
  let early: { snapshot: string; layout: ReturnType<typeof layoutIn> } | undefined;
  const listEarly = (snapshot: string) => {
    early = { snapshot, layout: layoutIn(snapshot) };
    early.layout.catch(() => undefined);
  };
  // The disk's size, the revert's ranges and the disk's snapshot side by side: a disk that fails the size
  // check keeps a snapshot, as one failing the diff check does (tagged with this restore, pruned by the
  // disk's next backup like the app's other snapshots).
  const [size, docs, after] = await Promise.all([
    sizeRead,
    input.ranges
      ? [fromStoredBatch(input.ranges)]
      : Promise.all(
          Array.from({ length: input.batches ?? 0 }, (_, i) =>
            loadBatch(store.container, store.diskId, store.key, i),
          ),
        ),
    ensureSnapshot(ctx.storage.container(target), target, {
      tag: snapshotTagOf(run.targetDiskId, run.newRestorePointId),
      onCreated: listEarly,
    }),
  ]);
  if (size !== run.sizeBytes) {
    await early?.layout.catch(() => undefined);
    throw new VerificationError(`the restored disk has ${size} bytes, the backup snapshot ${run.sizeBytes}`);
  }
  const clears = coalesce(docs.flatMap((d) => d.clears));
  const touched = coalesce([...docs.flatMap((d) => d.writes), ...clears]);
  const [diff, allocated] = await (early?.snapshot === after ? early.layout : layoutIn(after));
  const outside = subtractRanges([...diff.changed, ...diff.cleared], touched);
  if (outside.length > 0)
    throw new VerificationError(
      `the restored disk changed outside the reverted ranges at byte ${outside[0]?.offset} since its safety snapshot`,
    );
  const kept = subtractRanges(clears, subtractRanges(clears, allocated.changed));
  if (kept.length > 0)
    throw new VerificationError(
      `the restored disk still has data at byte ${kept[0]?.offset}, which the restore point has not`,
    );
  return {
    bytesCompared: 0,
    chunks: 0,
    digest: sha256(`touched:${totalBytes(touched)}`),
    done: true,
    snapshot: after,
  };
}

export async function verifyPart(ctx: AppContext, input: VerifyPartInput): Promise<VerifyPartResult> {
  if (input.part !== "layout") return verifyBatch(ctx, input, input.part);
  return input.mode === "revert" ? verifyRevertLayout(ctx, input) : verifyLayout(ctx, input);
}

/** Combines the parts (layout first, then batches in order) into the recorded verification. */
export function combineVerification(
  parts: VerifyPartResult[],
  mode: RestoreMode = "full",
  method = mode === "revert" ? REVERT_VERIFY_METHOD : VERIFY_METHOD,
): Verification {
  return {
    verified: true,
    method,
    bytesCompared: parts.reduce((s, p) => s + p.bytesCompared, 0),
    chunks: parts.reduce((s, p) => s + p.chunks, 0),
    digest: sha256(parts.map((p) => p.digest).join("")),
  };
}

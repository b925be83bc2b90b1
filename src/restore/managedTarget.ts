// The upload route of a restore to a managed disk (`targetDisk`), step by step beside the page-blob
// target: create an empty disk for upload (marked with `restorerun` until recorded), grant write,
// copy the restore point's allocated ranges into the upload SAS with the copy engine, end the image
// with a valid fixed-VHD footer (the promoted blob gets the same one), verify; the last step is in
// diskComplete.ts. The upload SAS lives in the run store, never in a payload.
import type { AppContext } from "../app/context";
import { CodedError } from "../app/result";
import {
  createUploadDisk,
  deleteDisk,
  findDisk,
  grantWrite,
  revokeDiskAccess,
  UPLOAD_STATES,
} from "../compute/disks";
import { armStatusOf } from "../compute/errors";
import {
  backupSnapshotName,
  type ComputeRef,
  requireComputeId,
  sasSecondsFor,
  snapshotGroupFor,
  snapshotRef,
} from "../compute/resourceIds";
import { deleteSnapshot } from "../compute/snapshots";
import { fixedVhdFooterOf, VHD_FOOTER_BYTES } from "../compute/vhd";
import { type BatchResult, copyBatchUnderLease, toBatchDocs } from "../copy/batches";
import { listRanges } from "../copy/diff";
import { sha256 } from "../copy/relay";
import { loadBatch, loadRunDoc, saveBatches, saveRunDoc } from "../copy/runStore";
import { keepLock } from "../lineage/locks";
import { type ByteRange, clipRanges, subtractRanges, totalBytes } from "../ranges";
import { messageOf } from "../storage/errors";
import { sasPageBlob } from "../storage/sas";
import { TAG_DISK_ID, TAG_RESTORE_RUN } from "../storage/tags";
import { requireBlobUrl } from "../storage/urls";
import { compareRanges, VerificationError } from "./compareRange";
import { lockOwnerOfRestore } from "./naming";
import { runStoreOf } from "./sparseCopy";
import type {
  CopyBatchInput,
  CopyPhase,
  PreparedCopy,
  RestoreRun,
  VerifyPartInput,
  VerifyPartResult,
} from "./types";

/** How a new managed disk is verified (recorded with the restore point). */
export const DISK_VERIFY_METHOD =
  "sha256 per chunk (<= 8 MiB) of every range allocated on either side, the disk read back through its " +
  "upload SAS against the backup snapshot, and the fixed-VHD footer against the one this restore wrote";

/** A restore whose target is a managed disk. */
export const isDiskRestore = (run: Pick<RestoreRun, "targetDisk">): boolean => run.targetDisk !== undefined;

const UPLOAD_DOC = "upload";

export function targetRefOf(run: RestoreRun): ComputeRef {
  return requireComputeId(run.targetUrl);
}

/** The bytes of the disk itself: the image minus its 512-byte footer. */
export const diskBytesOf = (run: RestoreRun) => run.sizeBytes - VHD_FOOTER_BYTES;

/** The footer this restore writes (deterministic: a retried step writes the same bytes). */
function footerOf(run: RestoreRun): Buffer {
  return fixedVhdFooterOf(diskBytesOf(run), {
    createdAt: new Date(run.startedAt),
    identity: run.newRestorePointId,
  });
}

async function uploadSasOf(ctx: AppContext, run: RestoreRun): Promise<string> {
  const store = runStoreOf(ctx, { phase: "restore", run });
  const doc = await loadRunDoc<{ sasUrl: string }>(store.container, store.diskId, store.key, UPLOAD_DOC);
  if (!doc)
    throw new Error(`restore ${run.newRestorePointId}: the upload access of ${run.targetUrl} is gone`);
  return doc.sasUrl;
}

/** Step: the new disk, empty and marked, ready for upload, and a write SAS on it in the run store. */
export async function createTargetDisk(ctx: AppContext, run: RestoreRun): Promise<null> {
  const spec = run.targetDisk;
  if (!spec) throw new Error("not a restore to a managed disk");
  await ctx.locks.renew(run.targetDiskId, lockOwnerOfRestore(run), ctx.tuning.lockTtlMs);
  const ref = targetRefOf(run);
  const existing = await findDisk(ctx.compute, ref);
  if (existing && existing.tags?.[TAG_RESTORE_RUN] !== run.newRestorePointId) {
    throw new CodedError(
      "TargetExists",
      `${ref.id} was created by someone else while the restore ran; nothing was written`,
    );
  }
  if (!existing) {
    await createUploadDisk(ctx.compute, ref, {
      location: spec.location,
      sku: spec.sku,
      uploadSizeBytes: run.sizeBytes,
      osType: spec.osType,
      hyperVGeneration: spec.hyperVGeneration,
      tags: { [TAG_RESTORE_RUN]: run.newRestorePointId, [TAG_DISK_ID]: run.targetDiskId },
    });
  } else if (!UPLOAD_STATES.includes(existing.diskState ?? "")) {
    throw new Error(`${ref.id} is ${existing.diskState}, not ready for an upload`);
  }
  const sasUrl = await grantWrite(ctx.compute, ref, sasSecondsFor(run.sizeBytes));
  const store = runStoreOf(ctx, { phase: "restore", run });
  await saveRunDoc(store.container, store.diskId, store.key, UPLOAD_DOC, { sasUrl });
  ctx.log(`restore ${run.newRestorePointId}: created ${ref.id} for upload (${run.sizeBytes} bytes)`);
  return null;
}

/** The restore copy into the new disk: every allocated range of the restore point (the disk is empty). */
export async function prepareDiskCopy(ctx: AppContext, copy: CopyPhase): Promise<PreparedCopy> {
  const source = requireBlobUrl(copy.sourceUrl);
  const snapshot = ctx.storage.pageBlob(source, { snapshot: copy.sourceSnapshot, retry: "none" });
  const sizeBytes = (await snapshot.getProperties()).contentLength ?? 0;
  const allocated = await listRanges({ blob: snapshot, sizeBytes, segmentBytes: ctx.tuning.segmentBytes });
  const docs = toBatchDocs(ctx.tuning, allocated.changed, []);
  const store = runStoreOf(ctx, copy);
  await saveBatches(store.container, store.diskId, store.key, docs);
  ctx.log(`restore ${copy.phase}: ${totalBytes(allocated.changed)} bytes to upload, ${docs.length} batches`);
  return {
    sizeBytes,
    writeBytes: totalBytes(allocated.changed),
    clearBytes: 0,
    rangeCount: allocated.changed.length,
    batchBytes: docs.map((d) => totalBytes(d.writes)),
    window: ctx.tuning.batchWindow,
  };
}

/** One batch into the upload SAS (the disk takes no lease: the disk lock and the SAS are the run's). */
export async function copyDiskBatch(ctx: AppContext, input: CopyBatchInput): Promise<BatchResult> {
  const { copy, batch } = input;
  const owner = lockOwnerOfRestore(copy.run);
  await ctx.locks.renew(copy.run.targetDiskId, owner, ctx.tuning.lockTtlMs);
  const sasUrl = await uploadSasOf(ctx, copy.run);
  const keeper = keepLock(ctx.locks, copy.run.targetDiskId, owner, ctx.tuning.lockTtlMs);
  try {
    return await copyBatchUnderLease(ctx, {
      sourceUrl: copy.sourceUrl,
      sourceSnapshot: copy.sourceSnapshot,
      destinationUrl: copy.destinationUrl,
      destination: sasPageBlob(sasUrl, "none"),
      leaseId: undefined,
      batch: { ...runStoreOf(ctx, copy), batch },
    });
  } finally {
    keeper.stop();
  }
}

/** Step: the footer that ends a valid fixed VHD, on the new disk and on the promoted blob alike. */
export async function writeDiskFooter(ctx: AppContext, run: RestoreRun): Promise<null> {
  const footer = footerOf(run);
  const offset = diskBytesOf(run);
  const target = sasPageBlob(await uploadSasOf(ctx, run));
  await target.uploadPages(footer, offset, VHD_FOOTER_BYTES);
  // The new disk's chain continues from the promoted blob: it must hold the very same bytes.
  await ctx.storage.pageBlob(requireBlobUrl(run.promotedUrl)).uploadPages(footer, offset, VHD_FOOTER_BYTES);
  return null;
}

/**
 * Verification of the new disk against the restore point's backup snapshot, over the disk's bytes; the
 * footer is compared with the one this restore wrote.
 */
export async function verifyDiskPart(ctx: AppContext, input: VerifyPartInput): Promise<VerifyPartResult> {
  const { run, part } = input;
  const end = diskBytesOf(run);
  const expected = ctx.storage.pageBlob(requireBlobUrl(run.backupUrl), { snapshot: run.backupSnapshot });
  const actual = sasPageBlob(await uploadSasOf(ctx, run));
  if (part !== "layout") {
    const store = runStoreOf(ctx, { phase: "restore", run });
    const doc = await loadBatch(store.container, store.diskId, store.key, part);
    return compareRanges(expected, actual, clipRanges(doc.writes, end));
  }
  const length = (await actual.getProperties()).contentLength ?? 0;
  if (length !== run.sizeBytes) {
    throw new VerificationError(
      `the new disk's image has ${length} bytes, the restore point ${run.sizeBytes}`,
    );
  }
  const listing = (blob: typeof actual) =>
    listRanges({ blob, sizeBytes: end, segmentBytes: ctx.tuning.segmentBytes });
  const [a, b] = await Promise.all([listing(expected), listing(actual)]);
  const oneSided: ByteRange[] = [
    ...subtractRanges(a.changed, b.changed),
    ...subtractRanges(b.changed, a.changed),
  ];
  const compared = await compareRanges(expected, actual, clipRanges(oneSided, end));
  const footer = await actual.downloadToBuffer(end, VHD_FOOTER_BYTES);
  if (!footer.equals(footerOf(run))) {
    throw new VerificationError(`the new disk's VHD footer (byte ${end}) is not the one this restore wrote`);
  }
  return {
    bytesCompared: compared.bytesCompared + VHD_FOOTER_BYTES,
    chunks: compared.chunks + 1,
    digest: sha256(`${compared.digest}${sha256(footer)}`),
    done: true,
  };
}

/**
 * A failed restore's new disk: the upload is ended (with a valid footer, or the service keeps the SAS
 * open) and the disk deleted, with the snapshot the run may have taken of it. Where the identity may not
 * delete disks, it stays marked (never backed up) and the returned text says so ("" when deleted).
 */
export async function removeNewDisk(ctx: AppContext, run: RestoreRun): Promise<string> {
  const ref = targetRefOf(run);
  const disk = await findDisk(ctx.compute, ref);
  const snapRef = snapshotRef(
    snapshotGroupFor(ctx.settings.snapshotResourceGroup, ref),
    backupSnapshotName(ref.name, run.newRestorePointId),
  );
  await deleteSnapshot(ctx.compute, snapRef).catch((error) =>
    ctx.log(`could not delete ${snapRef.id}: ${messageOf(error)}`),
  );
  if (!disk || disk.tags?.[TAG_RESTORE_RUN] !== run.newRestorePointId) return "";
  try {
    if (disk.diskState === "ActiveUpload") {
      await writeDiskFooter(ctx, run).catch(() => undefined);
      await revokeDiskAccess(ctx.compute, ref);
    }
    await deleteDisk(ctx.compute, ref);
    return "";
  } catch (error) {
    if (armStatusOf(error) !== 403) throw error;
    return `; ${ref.id} could not be deleted (${messageOf(error)}): it keeps the tag ${TAG_RESTORE_RUN}=${run.newRestorePointId}, so it is never backed up; delete it`;
  }
}

// Step 2 of a disk backup: make the backup blob ready (exists, leased, same size as the source snapshot),
// list what changed (diff, or the allocated ranges for a full sparse copy, falling back to full when the
// chain is broken), and store the ranges as bounded batches outside the orchestration history.

import type { AppContext } from "../app/context";
import { toBatchDocs } from "../copy/batches";
import { bridgeSmallGaps } from "../copy/bridge";
import { ChainBreakError, listRanges } from "../copy/diff";
import { inlineBatchesOf, saveBatches } from "../copy/runStore";
import { STAMP_WRITING, stampMismatch, stampOf, writeStamp } from "../lineage/stamp";
import { type ByteRange, subtractRanges, totalBytes } from "../ranges";
import { errorCode, statusOf } from "../storage/errors";
import { holdLease } from "../storage/lease";
import { requireBlobUrl } from "../storage/urls";
import { leaseIdOfRun, lockOwnerOfRun } from "./ownership";
import { sourceReaderOf } from "./sourceReader";
import type { BackupMode, BeginResult, PlanResult } from "./types";

/** Creates the backup blob if missing (stamped as written by this run); true when it was created now. */
async function ensureBackupBlob(ctx: AppContext, run: BeginResult): Promise<boolean> {
  const backup = requireBlobUrl(run.backupUrl);
  const create = () =>
    ctx.storage.pageBlob(backup).create(run.sizeBytes, {
      conditions: { ifNoneMatch: "*" },
      metadata: { [STAMP_WRITING]: run.restorePointId },
    });
  try {
    try {
      await create();
    } catch (error) {
      // The container is created only when it is missing (a request saved on every other run).
      if (errorCode(error) !== "ContainerNotFound") throw error;
      await ctx.storage.container(backup).createIfNotExists();
      await create();
    }
    return true;
  } catch (error) {
    if (statusOf(error) === 409 || statusOf(error) === 412) return false;
    throw error;
  }
}

interface Listing {
  mode: BackupMode;
  reason: string | null;
  writes: ByteRange[];
  clears: ByteRange[];
  requests: number;
  /** Unchanged bytes copied along with small changes (bridged gaps), included in `writes`. */
  bridgedBytes: number;
}

type IncrementalListing = Omit<Listing, "mode" | "reason">;

/** The diff since the run's base, with small unchanged gaps bridged (reads only). */
async function listIncremental(ctx: AppContext, run: BeginResult): Promise<IncrementalListing> {
  const source = await sourceReaderOf(ctx, run);
  const diff = await source.diff();
  const bridged = await bridgeSmallGaps(diff.changed, {
    blob: source.snapshot,
    sizeBytes: run.sizeBytes,
    segmentBytes: ctx.tuning.segmentBytes,
    maxGap: ctx.tuning.bridgeGapBytes,
  });
  return {
    writes: bridged.writes,
    clears: diff.cleared,
    requests: diff.requests + bridged.listRequests,
    bridgedBytes: bridged.bridgedBytes,
  };
}

/** `early`: the incremental listing, already started alongside the blob's claim (it only reads). */
async function listChanges(
  ctx: AppContext,
  run: BeginResult,
  mode: BackupMode,
  fresh: boolean,
  early?: Promise<IncrementalListing>,
): Promise<Listing> {
  if (mode === "incremental" && run.prevSourceSnapshot) {
    try {
      return { mode, reason: run.reason, ...(await (early ?? listIncremental(ctx, run))) };
    } catch (error) {
      if (!(error instanceof ChainBreakError)) throw error;
      ctx.log(`backup ${run.diskId}: ${error.message}; falling back to a full copy`);
      return listChanges(ctx, { ...run, reason: `chain break: ${error.code}` }, "full", fresh);
    }
  }
  const source = await sourceReaderOf(ctx, run);
  const allocated = await source.allocated();
  const reason = run.mode === "full" ? run.reason : (run.reason ?? "full copy");
  if (fresh)
    return {
      mode: "full",
      reason,
      writes: allocated.changed,
      clears: [],
      requests: allocated.requests,
      bridgedBytes: 0,
    };
  // A full copy into an existing backup blob must also clear the pages the source no longer has.
  const backupBlob = ctx.storage.pageBlob(requireBlobUrl(run.backupUrl), { retry: "none" });
  const old = await listRanges({
    blob: backupBlob,
    sizeBytes: run.sizeBytes,
    segmentBytes: ctx.tuning.segmentBytes,
  });
  return {
    mode: "full",
    reason,
    writes: allocated.changed,
    clears: subtractRanges(old.changed, allocated.changed),
    requests: allocated.requests + old.requests,
    bridgedBytes: 0,
  };
}

/** The backup blob once leased: created now or found, and its ETag as the lease answered it. */
interface LeasedBlob {
  fresh: boolean;
  etag: string | undefined;
}

/**
 * Takes the run's lease on the backup blob, creating the blob first when missing.
 * An incremental's blob was found by begin, so the lease is asked for first (no create that the service
 * refuses on every incremental run); a blob deleted since is created then.
 */
async function leaseBackupBlob(ctx: AppContext, run: BeginResult, leaseId: string): Promise<LeasedBlob> {
  const blob = ctx.storage.pageBlob(requireBlobUrl(run.backupUrl));
  if (run.mode === "incremental") {
    try {
      return { fresh: false, etag: await holdLease(blob, leaseId, ctx.tuning.leaseSeconds) };
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
  }
  const fresh = await ensureBackupBlob(ctx, run);
  return { fresh, etag: await holdLease(blob, leaseId, ctx.tuning.leaseSeconds) };
}

/**
 * The backup blob's size and metadata now: as begin's chain check read them when the lease answers with
 * the same ETag (nothing was written since, and only this run writes it from here), else read again.
 */
async function currentBackupBlob(ctx: AppContext, run: BeginResult, leased: LeasedBlob) {
  const seen = run.backupBlob;
  if (seen && !leased.fresh && leased.etag !== undefined && leased.etag === seen.etag) {
    return { contentLength: seen.sizeBytes, metadata: seen.metadata };
  }
  return ctx.storage.pageBlob(requireBlobUrl(run.backupUrl)).getProperties();
}

/**
 * Re-checks, under the lease, that an incremental still continues what the blob holds (the stamp may
 * have changed since begin, or a retried plan step created the blob), then claims the blob for this run
 * before anything is written: a run that stops half-way leaves its mark, and the next backup goes full.
 * Returns the plan with the blob's metadata as it is now.
 */
async function claimBackupBlob(
  ctx: AppContext,
  run: BeginResult,
  leased: LeasedBlob,
  leaseId: string,
): Promise<{ planned: BeginResult; metadata: Record<string, string> }> {
  const blob = ctx.storage.pageBlob(requireBlobUrl(run.backupUrl));
  const props = await currentBackupBlob(ctx, run, leased);
  const stamp = stampOf(props.metadata);
  let planned = run;
  if (run.mode === "incremental") {
    const mismatch = leased.fresh
      ? "the backup blob was recreated"
      : stampMismatch(stamp, run.parentRestorePointId ?? "", run.restorePointId);
    if (mismatch)
      planned = { ...run, mode: "full", reason: `chain check: ${mismatch}`, prevSourceSnapshot: null };
  }
  let metadata = props.metadata ?? {};
  if (stamp.writing !== run.restorePointId) {
    metadata = await writeStamp(
      blob,
      { holds: stamp.holds, writing: run.restorePointId },
      { leaseId, metadata },
    );
  }
  if (props.contentLength !== run.sizeBytes) {
    // Shrinking clears the tail, as the service does for the source.
    await blob.resize(run.sizeBytes, { conditions: { leaseId } });
  }
  return { planned, metadata };
}

export async function planDiskBackup(ctx: AppContext, run: BeginResult): Promise<PlanResult> {
  const backup = requireBlobUrl(run.backupUrl);
  // A page blob's diff only reads the source: it is listed while the backup blob is claimed, and used if
  // the claim keeps the run incremental.
  const early =
    run.mode === "incremental" && run.prevSourceSnapshot && !run.managed
      ? listIncremental(ctx, run)
      : undefined;
  early?.catch(() => {});
  await ctx.locks.renew(run.diskId, lockOwnerOfRun(run), ctx.tuning.lockTtlMs);
  const leaseId = leaseIdOfRun(run);
  const leased = await leaseBackupBlob(ctx, run, leaseId);
  const { planned, metadata } = await claimBackupBlob(ctx, run, leased, leaseId);
  const listed = await listChanges(ctx, planned, planned.mode, leased.fresh, early);
  const docs = toBatchDocs(ctx.tuning, listed.writes, listed.clears);
  const inlineBatches = inlineBatchesOf(docs);
  if (!inlineBatches) await saveBatches(ctx.storage.container(backup), run.diskId, run.restorePointId, docs);
  return {
    mode: listed.mode,
    reason: listed.reason,
    sizeBytes: run.sizeBytes,
    changedBytes: totalBytes(listed.writes) - listed.bridgedBytes,
    bridgedBytes: listed.bridgedBytes,
    clearedBytes: totalBytes(listed.clears),
    rangeCount: listed.writes.length + listed.clears.length,
    batchBytes: docs.map((d) => totalBytes(d.writes)),
    window: ctx.tuning.batchWindow,
    listRequests: listed.requests,
    ...(inlineBatches ? { inlineBatches } : {}),
    backupMetadata: metadata,
  };
}

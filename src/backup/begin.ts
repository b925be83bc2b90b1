// Step 1 of a disk backup: snapshot the source (idempotently) and decide full or incremental from the
// lineage: incremental needs the previous restore point, its source snapshot and the backup blob.

import type { AppContext } from "../app/context";
import { diskIdOf, diskOf } from "../disks/identity";
import type { RestorePoint } from "../lineage/restorePoint";
import { isNotFound } from "../storage/errors";
import { ensureSnapshot } from "../storage/snapshots";
import { runTag } from "../storage/tags";
import { type BlobLocation, requireBlobUrl } from "../storage/urls";
import type { BackupMode, BeginResult, DiskRunRef } from "./types";

async function exists(ctx: AppContext, location: BlobLocation, snapshot?: string): Promise<boolean> {
  try {
    await ctx.storage.pageBlob(location, { snapshot }).getProperties();
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

/** Which backup blob a disk writes to: the one its chain already uses (a restore may have moved it). */
export function backupLocationOf(
  ctx: AppContext,
  source: BlobLocation,
  latest: RestorePoint | undefined,
): BlobLocation {
  return latest ? requireBlobUrl(latest.backupUrl) : diskOf(source, ctx.settings.target).backup;
}

async function decideMode(
  ctx: AppContext,
  source: BlobLocation,
  backup: BlobLocation,
  latest: RestorePoint | undefined,
): Promise<{ mode: BackupMode; reason: string | null }> {
  if (!latest) return { mode: "full", reason: "first backup of this disk" };
  if (latest.suspect) {
    // Verification found the backup differing from its source: a full copy rewrites every allocated range.
    return {
      mode: "full",
      reason: `restore point ${latest.restorePointId} is suspect: verification found its backup snapshot differing from the source snapshot`,
    };
  }
  if (!(await exists(ctx, source, latest.sourceSnapshot))) {
    return {
      mode: "full",
      reason: `chain break: previous source snapshot ${latest.sourceSnapshot} not found`,
    };
  }
  if (!(await exists(ctx, backup))) return { mode: "full", reason: `backup blob ${backup.url} not found` };
  return { mode: "incremental", reason: null };
}

export async function beginDiskBackup(ctx: AppContext, ref: DiskRunRef): Promise<BeginResult> {
  const source = requireBlobUrl(ref.sourceUrl);
  if (diskIdOf(source) !== ref.diskId)
    throw new Error(`disk id ${ref.diskId} does not match ${ref.sourceUrl}`);
  const latest = await ctx.lineage.latestCompleted(ref.diskId);
  const backup = backupLocationOf(ctx, source, latest);
  const sourceSnapshot = await ensureSnapshot(ctx.storage.container(source), source, {
    tag: runTag(ref.diskId, ref.restorePointId),
  });
  const props = await ctx.storage.pageBlob(source, { snapshot: sourceSnapshot }).getProperties();
  const { mode, reason } = await decideMode(ctx, source, backup, latest);
  ctx.log(`backup ${ref.diskId} ${ref.restorePointId}: ${mode}${reason ? ` (${reason})` : ""}`);
  return {
    ...ref,
    sourceSnapshot,
    sizeBytes: props.contentLength ?? 0,
    backupUrl: backup.url,
    mode,
    reason,
    parentRestorePointId: latest?.restorePointId ?? null,
    prevSourceSnapshot: mode === "incremental" && latest ? latest.sourceSnapshot : null,
  };
}

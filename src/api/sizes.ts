// What each disk costs and how well it is verified, for GET /api/disks: restore point count, bytes its
// restore points added (sum of changedBytes: roughly what the service bills for the snapshots), the
// backup blob's allocated bytes, the retention policy in force and the verification coverage.
import type { AppContext } from "../app/context";
import { listRanges } from "../copy/diff";
import type { RestorePoint } from "../lineage/restorePoint";
import { totalBytes } from "../ranges";
import { describePolicy } from "../retention/policy";
import { isNotFound } from "../storage/errors";
import { requireBlobUrl } from "../storage/urls";
import { parseRecord } from "../verification/rotation";

export interface VerificationCoverage {
  /** The restore point whose record this is (the newest verified one). */
  restorePointId: string;
  verifiedAt: string;
  mode: "rolling" | "full";
  pass: number;
  /** Share of the allocated bytes compared in the current pass (1: the pass is complete). */
  coverage: number;
  mismatches: number;
}

export interface DiskSizes {
  restorePointCount: number;
  restorePointBytes: number;
  backupAllocatedBytes: number;
  retention: string;
  verification: VerificationCoverage | null;
  suspectRestorePoints: number;
}

async function allocatedBytes(ctx: AppContext, backupUrl: string): Promise<number> {
  const blob = ctx.storage.pageBlob(requireBlobUrl(backupUrl));
  try {
    const sizeBytes = (await blob.getProperties()).contentLength ?? 0;
    const listing = await listRanges({
      blob: ctx.storage.pageBlob(requireBlobUrl(backupUrl), { retry: "none" }),
      sizeBytes,
      segmentBytes: ctx.tuning.segmentBytes,
    });
    return totalBytes(listing.changed);
  } catch (error) {
    if (isNotFound(error)) return 0;
    throw error;
  }
}

/** The newest restore point with a verification record of the rolling kind, as coverage. */
export function coverageOf(points: readonly RestorePoint[]): VerificationCoverage | null {
  for (const point of points) {
    const record = parseRecord(point.verification);
    if (!record) continue;
    return {
      restorePointId: point.restorePointId,
      verifiedAt: record.verifiedAt,
      mode: record.mode,
      pass: record.pass,
      coverage: record.coverage,
      mismatches: record.mismatches,
    };
  }
  return null;
}

/** Sizes of one disk; `points` newest first (its lineage), `backupUrl` its backup blob. */
export async function diskSizesOf(ctx: AppContext, diskId: string, backupUrl: string): Promise<DiskSizes> {
  const points = (await ctx.lineage.list(diskId)).filter((p) => p.status === "completed");
  return {
    restorePointCount: points.length,
    restorePointBytes: points.reduce((sum, p) => sum + p.changedBytes, 0),
    backupAllocatedBytes: await allocatedBytes(ctx, backupUrl),
    retention: describePolicy(ctx.settings.retention),
    verification: coverageOf(points),
    suspectRestorePoints: points.filter((p) => p.suspect === true).length,
  };
}

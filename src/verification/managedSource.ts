// The source side of verifying a managed disk's restore point: its source snapshot is the incremental
// snapshot Resource Manager keeps (the newest one is kept as the next diff base), read through a read
// SAS this verification is granted for itself (kept in the run store, never in a payload) and revokes
// when it records. A newer backup may revoke or delete the snapshot meanwhile: that is a skip
// (SnapshotGone), not a mismatch.
import type { PageBlobClient } from "@azure/storage-blob";
import type { AppContext } from "../app/context";
import { CodedError } from "../app/result";
import { requireComputeId, sasSecondsFor } from "../compute/resourceIds";
import { findSnapshot, grantRead, revokeRead } from "../compute/snapshots";
import { loadRunDoc, saveRunDoc } from "../copy/runStore";
import type { RestorePoint } from "../lineage/restorePoint";
import { messageOf, statusOf } from "../storage/errors";
import { sasPageBlob } from "../storage/sas";
import { requireBlobUrl } from "../storage/urls";
import { SNAPSHOT_GONE } from "./codes";
import type { VerifyPlan } from "./types";

const ACCESS_DOC = "access";

export const isManagedPoint = (point: Pick<RestorePoint, "sourceKind" | "snapshotResourceId">): boolean =>
  point.sourceKind === "managedDisk" && Boolean(point.snapshotResourceId);

/**
 * A client for the managed source snapshot of `point`, with a SAS granted now and saved under the
 * verification's run key; undefined when the snapshot is gone.
 */
export async function openManagedSource(
  ctx: AppContext,
  point: RestorePoint,
  runKey: string,
): Promise<PageBlobClient | undefined> {
  const ref = requireComputeId(point.snapshotResourceId ?? "", "snapshots");
  const snapshot = await findSnapshot(ctx.compute, ref);
  if (!snapshot) return undefined;
  const sasUrl = await grantRead(ctx.compute, ref, sasSecondsFor(snapshot.diskSizeBytes ?? 0), {
    waitMs: ctx.tuning.armWaitMs,
  });
  const container = ctx.storage.container(requireBlobUrl(point.backupUrl));
  await saveRunDoc(container, point.diskId, runKey, ACCESS_DOC, { sasUrl });
  return sasPageBlob(sasUrl);
}

/** The source snapshot's client of a planned verification (its SAS from the run store). */
export async function managedSourceOf(
  ctx: AppContext,
  plan: VerifyPlan,
  runKey: string,
): Promise<PageBlobClient> {
  const container = ctx.storage.container(requireBlobUrl(plan.backupUrl));
  const doc = await loadRunDoc<{ sasUrl: string }>(container, plan.diskId, runKey, ACCESS_DOC);
  if (!doc)
    throw new CodedError(SNAPSHOT_GONE, `the source snapshot access of ${plan.restorePointId} is gone`);
  return sasPageBlob(doc.sasUrl);
}

/** A read through a SAS a newer backup revoked (or whose snapshot it deleted): nothing to compare. */
export function isAccessGone(error: unknown): boolean {
  return statusOf(error) === 403 || statusOf(error) === 404;
}

/** Ends the verification's SAS (a failure is logged: the SAS expires, and the next backup revokes it too). */
export async function closeManagedSource(ctx: AppContext, plan: VerifyPlan): Promise<void> {
  if (!plan.snapshotResourceId) return;
  try {
    await revokeRead(ctx.compute, requireComputeId(plan.snapshotResourceId, "snapshots"));
  } catch (error) {
    ctx.log(`could not revoke the SAS of ${plan.snapshotResourceId}: ${messageOf(error)}`);
  }
}

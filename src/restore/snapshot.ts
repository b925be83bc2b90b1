// Idempotent snapshots of the blobs a restore works on, tagged with the disk and restore point they
// belong to (the backup's tags: the next backup of the new disk prunes them like its own).
import type { BackupContext } from "../backup/context";
import { ensureSnapshot } from "../storage/snapshots";
import { requireBlobUrl } from "../storage/urls";
import { snapshotTagOf } from "./naming";

export interface SnapshotInput {
  blobUrl: string;
  diskId: string;
  restorePointId: string;
  leaseId?: string;
}

export async function snapshotBlob(ctx: BackupContext, input: SnapshotInput): Promise<string> {
  const blob = requireBlobUrl(input.blobUrl);
  return ensureSnapshot(ctx.storage.container(blob), blob, {
    tag: snapshotTagOf(input.diskId, input.restorePointId),
    leaseId: input.leaseId,
  });
}

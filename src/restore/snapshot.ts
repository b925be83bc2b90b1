// Idempotent snapshots of the blobs a restore works on, tagged with the disk and restore point they
// belong to (the backup's tags: the next backup of the new disk prunes them like its own).
import type { AppContext } from "../app/context";
import { ensureSnapshot } from "../storage/snapshots";
import { requireBlobUrl } from "../storage/urls";
import { snapshotTagOf } from "./naming";
import type { SnapshotInput } from "./types";

export async function snapshotBlob(ctx: AppContext, input: SnapshotInput): Promise<string> {
  const blob = requireBlobUrl(input.blobUrl);
  return ensureSnapshot(ctx.storage.container(blob), blob, {
    tag: snapshotTagOf(input.diskId, input.restorePointId),
    metadata: input.metadata,
    leaseId: input.leaseId,
  });
}

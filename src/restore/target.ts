// What the restore target is now: whether its container exists (a restore never creates containers in
// source accounts: the least-privilege role cannot), whether the blob exists, its type and lease.
import type { StorageAccess } from "../storage/clients";
import { isNotFound } from "../storage/errors";
import type { BlobLocation } from "../storage/urls";

export type TargetState =
  | { kind: "noContainer" }
  | { kind: "absent" }
  | {
      kind: "exists";
      pageBlob: boolean;
      leased: boolean;
      sizeBytes: number;
      metadata: Record<string, string>;
    };

export async function inspectTarget(storage: StorageAccess, target: BlobLocation): Promise<TargetState> {
  try {
    const props = await storage.pageBlob(target).getProperties();
    return {
      kind: "exists",
      pageBlob: props.blobType === "PageBlob",
      leased: props.leaseState === "leased" || props.leaseState === "breaking",
      sizeBytes: props.contentLength ?? 0,
      metadata: props.metadata ?? {},
    };
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  return (await storage.container(target).exists()) ? { kind: "absent" } : { kind: "noContainer" };
}

/** Same container as the backups: restoring there would mix disks with backup blobs. */
export function isInside(blob: BlobLocation, container: BlobLocation): boolean {
  return blob.serviceUrl === container.serviceUrl && blob.containerName === container.containerName;
}

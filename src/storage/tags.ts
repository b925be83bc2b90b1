// Metadata names on the snapshots this app creates: they find a run's snapshot again (idempotency) and
// tell which source snapshots belong to a disk's chain (cleanup never touches anything else). And the
// mark a restore leaves on the blobs it writes while it is unfinished.

export const TAG_DISK_ID = "backupdiskid";
export const TAG_RESTORE_POINT_ID = "backuprestorepointid";
export const TAG_SOURCE_SNAPSHOT = "backupsourcesnapshot";

export function runTag(diskId: string, restorePointId: string): Record<string, string> {
  return { [TAG_DISK_ID]: diskId, [TAG_RESTORE_POINT_ID]: restorePointId };
}

/**
 * Metadata on a blob a restore writes (value: the restore's new restore point id) while the restore is
 * unfinished: the run recognises its own blob by it, and discovery never backs up a blob carrying it (a
 * half-written disk). A completed restore removes it from the target; a failed one leaves it on a target
 * it could not delete. Metadata, not a blob index tag: the source role may write metadata
 * (blobs/write) but not tags (blobs/tags/write), and no role condition on Delete Blob can read either.
 */
export const TAG_RESTORE_RUN = "restorerun";

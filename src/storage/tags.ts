// Metadata names on the snapshots this app creates: they find a run's snapshot again (idempotency) and
// tell which source snapshots belong to a disk's chain (cleanup never touches anything else).

export const TAG_DISK_ID = "backupdiskid";
export const TAG_RESTORE_POINT_ID = "backuprestorepointid";
export const TAG_SOURCE_SNAPSHOT = "backupsourcesnapshot";

export function runTag(diskId: string, restorePointId: string): Record<string, string> {
  return { [TAG_DISK_ID]: diskId, [TAG_RESTORE_POINT_ID]: restorePointId };
}

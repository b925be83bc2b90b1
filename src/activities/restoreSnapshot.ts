// Activity: a tagged snapshot of a blob the restore works on; found again by its tag when re-run.
import { backupContextFromEnv } from "../backup/context";
import { type SnapshotInput, snapshotBlob } from "../restore/snapshot";

export function restoreSnapshot(input: SnapshotInput): Promise<string> {
  return snapshotBlob(backupContextFromEnv(), input);
}

// Activity: snapshot the new disk and record the first restore point of its chain (tagged snapshot and
// upsert by key: re-runnable).
import { backupContextFromEnv } from "../backup/context";
import { completeRestore } from "../restore/complete";
import type { CompleteRestoreInput, RestoreOutput } from "../restore/types";

export function restoreComplete(input: CompleteRestoreInput): Promise<RestoreOutput> {
  return completeRestore(backupContextFromEnv(), input);
}

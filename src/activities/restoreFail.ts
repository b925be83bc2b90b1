// Activity: record a failed restore and remove what only this run created.
import { backupContextFromEnv } from "../backup/context";
import { failRestore } from "../restore/fail";
import type { FailRestoreInput } from "../restore/types";

export function restoreFail(input: FailRestoreInput): Promise<void> {
  return failRestore(backupContextFromEnv(), input);
}

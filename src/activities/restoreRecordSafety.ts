// Activity: record an overwritten target's safety restore point (an upsert by key).
import { backupContextFromEnv } from "../backup/context";
import type { RestorePoint } from "../lineage/restorePoint";
import { recordSafety } from "../restore/record";
import type { SafetyRecordInput } from "../restore/types";

export function restoreRecordSafety(input: SafetyRecordInput): Promise<RestorePoint> {
  return recordSafety(backupContextFromEnv(), input);
}

// Activity: verify one part of the restored disk against the backup snapshot (read only).
import { backupContextFromEnv } from "../backup/context";
import type { VerifyPartInput, VerifyPartResult } from "../restore/types";
import { verifyPart } from "../restore/verify";

export function restoreVerify(input: VerifyPartInput): Promise<VerifyPartResult> {
  return verifyPart(backupContextFromEnv(), input);
}

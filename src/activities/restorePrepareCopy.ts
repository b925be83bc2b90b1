// Activity: make a copy phase's destination ready and store its range batches. Re-runnable: an own or
// overwritten destination is reused, the batch documents are rewritten.
import { backupContextFromEnv } from "../backup/context";
import { prepareCopy } from "../restore/sparseCopy";
import type { CopyPhase, PreparedCopy } from "../restore/types";

export function restorePrepareCopy(input: CopyPhase): Promise<PreparedCopy> {
  return prepareCopy(backupContextFromEnv(), input);
}

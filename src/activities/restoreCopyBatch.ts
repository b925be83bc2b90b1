// Activity: copy one batch of a restore phase with the copy engine (same bytes at the same offsets, so
// running it twice is harmless).
import { backupContextFromEnv } from "../backup/context";
import { copyBatch } from "../restore/sparseCopy";
import type { CopyBatchInput, RestoreBatchResult } from "../restore/types";

export function restoreCopyBatch(input: CopyBatchInput): Promise<RestoreBatchResult> {
  return copyBatch(backupContextFromEnv(), input);
}

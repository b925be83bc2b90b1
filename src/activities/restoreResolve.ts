// Activity: resolve a restore (admit again, fix ids and names). Writes nothing, so it is safe to re-run.
import { backupContextFromEnv } from "../backup/context";
import { resolveRestore } from "../restore/resolve";
import type { RestoreInput, RestoreRun } from "../restore/types";

export function restoreResolve(payload: { input: RestoreInput; runId: string }): Promise<RestoreRun> {
  return resolveRestore(backupContextFromEnv(), payload.input, payload.runId);
}

// One restore run in this process through the restoreDisk procedure and the restore step table (the same
// generator Azure runs as an orchestration). For integration tests, benchmarks and tools.
import { restoreActivities } from "../activities/restore";
import type { AppContext } from "../app/context";
import { noDurable } from "../app/instances";
import { restoreDisk } from "../orchestrations/restoreDisk";
import type { RestoreInput, RestoreOutput } from "../restore/types";
import { type InProcessOptions, runInProcess } from "./runtime";

export function runRestoreDirect(
  ctx: AppContext,
  input: RestoreInput,
  runId: string,
  options: Partial<InProcessOptions> = {},
): Promise<RestoreOutput> {
  return runInProcess(restoreDisk, restoreActivities, { app: ctx, durable: noDurable }, input, {
    instanceId: runId,
    ...options,
  });
}

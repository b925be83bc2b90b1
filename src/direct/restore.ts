// One restore run in this process through the restoreDisk procedure and the restore step table (the same
// generator Azure runs as an orchestration). For integration tests, benchmarks and tools.
import { restoreActivities } from "../activities/restore";
import type { AppContext } from "../app/context";
import { noDurable } from "../app/instances";
import { restoreDisk } from "../orchestrations/restoreDisk";
import type { RestoreInput, RestoreOutput } from "../restore/types";
import { trackReader } from "./readers";
import { type InProcessOptions, runInProcess } from "./runtime";

export async function runRestoreDirect(
  ctx: AppContext,
  input: RestoreInput,
  runId: string,
  options: Partial<InProcessOptions> = {},
): Promise<RestoreOutput> {
  // While it runs, in-process retention sees that this restore reads the point (src/direct/readers.ts).
  const done = trackReader(runId, input);
  try {
    return await runInProcess(restoreDisk, restoreActivities, { app: ctx, durable: noDurable }, input, {
      instanceId: runId,
      ...options,
    });
  } finally {
    done();
  }
}

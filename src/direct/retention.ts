// A retention run in this process through the retentionRun procedure and the retention step table (the
// same generator Azure runs as an orchestration). For integration tests, benchmarks and tools.
import { retentionActivities } from "../activities/retention";
import type { AppContext } from "../app/context";
import { noDurable, type RestoreReaders } from "../app/instances";
import { retentionRun } from "../orchestrations/retention";
import type { RetentionRunInput, RetentionRunOutput } from "../retention/types";
import { inProcessReaders } from "./readers";
import { type InProcessOptions, runInProcess } from "./runtime";

export function runRetentionDirect(
  ctx: AppContext,
  input: Omit<RetentionRunInput, "trigger">,
  options: Partial<InProcessOptions> & { readers?: RestoreReaders } = {},
): Promise<RetentionRunOutput> {
  const { readers = inProcessReaders, ...rest } = options;
  return runInProcess(
    retentionRun,
    retentionActivities,
    { app: ctx, durable: noDurable, readers },
    { ...input, trigger: "http" },
    { instanceId: `retention-direct-${Date.now().toString(36)}`, ...rest },
  );
}

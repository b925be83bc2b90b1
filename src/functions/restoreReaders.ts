// Which restore points running restores read, from the durable client: the running restoreDisk
// instances and their inputs (`{ diskId, restorePointId, ... }`). Registers no function: safe to sit
// among the entry files.
import * as df from "durable-functions";
import { pointsReadBy, type RestoreReaders } from "../app/instances";
import { RESTORE_DISK } from "../orchestrations/names";

const LIVE = [
  df.OrchestrationRuntimeStatus.Pending,
  df.OrchestrationRuntimeStatus.Running,
  df.OrchestrationRuntimeStatus.ContinuedAsNew,
  df.OrchestrationRuntimeStatus.Suspended,
];

/** Readers through `client()`; nothing can be known (undefined) when the client or the query fails. */
export function restoreReadersOf(client: () => df.DurableClient): RestoreReaders {
  return async () => {
    try {
      const running = await client().getStatusBy({ runtimeStatus: LIVE });
      return pointsReadBy(
        running.map((s) => ({ name: s.name, input: s.input })),
        RESTORE_DISK,
      );
    } catch {
      return undefined;
    }
  };
}

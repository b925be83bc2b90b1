// The restores running in this process (src/direct runs them without a durable engine), so that an
// in-process retention pass keeps the points they read, as the durable client lets it in Azure.
import type { PointRef, RestoreReaders } from "../app/instances";

const running = new Map<string, PointRef>();

/** Registers a running restore under its run id until `done` is called. */
export function trackReader(runId: string, point: PointRef): () => void {
  running.set(runId, { diskId: point.diskId, restorePointId: point.restorePointId });
  return () => running.delete(runId);
}

/** The points read by the restores running in this process. */
export const inProcessReaders: RestoreReaders = async () => [...running.values()];

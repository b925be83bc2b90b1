// Other durable instances as the domain sees them: look one up, or raise an event to one. In Azure this
// is the durable client of the invocation; in process there are no other instances. Keeps the procedures
// free of the Functions SDK.

export interface InstanceStatus {
  runtimeStatus?: string;
  customStatus?: unknown;
  /** When the instance was created (ISO 8601), if known. */
  createdTime?: string;
}

/** Looks up a durable instance; undefined when it does not exist (or nothing can be known). */
export type InstanceLookup = (instanceId: string) => Promise<InstanceStatus | undefined>;

export interface DurableAccess {
  status: InstanceLookup;
  /** Raises an event to a running instance; an instance that is gone or finished ignores it. */
  raiseEvent(instanceId: string, name: string, data: unknown): Promise<void>;
}

/** Knows of no other instance (in-process runs, hosts that bind no durable client). */
export const noDurable: DurableAccess = {
  status: async () => undefined,
  raiseEvent: async () => {},
};

const BUSY = new Set(["Running", "Pending", "ContinuedAsNew", "Suspended"]);

/** The instance exists and has not finished. */
export function isBusy(status: Pick<InstanceStatus, "runtimeStatus"> | undefined): boolean {
  return status?.runtimeStatus !== undefined && BUSY.has(status.runtimeStatus);
}

/** A restore point named by its disk and id. */
export interface PointRef {
  diskId: string;
  restorePointId: string;
}

/**
 * The restore points that running restores read. "A point a running restore reads" is the restore point
 * named in the input of a `restoreDisk` instance that has not finished (Pending, Running, Suspended,
 * ContinuedAsNew): from its resolve step to its last verification it copies and compares that point's
 * backup snapshot. In Azure they are listed through the durable client (src/functions/restoreReaders.ts),
 * in process from the restores this process runs (src/direct/readers.ts). `undefined` when that cannot
 * be known: then nothing may be deleted.
 */
export type RestoreReaders = () => Promise<PointRef[] | undefined>;

/** A running orchestration as a durable status query lists it. */
export interface RunningInstance {
  name?: string | undefined;
  input?: unknown;
}

/**
 * The points read by the running instances of `restoreName`, from their inputs (`{ diskId,
 * restorePointId }`); `undefined` if one has an input that does not say (it could read any point).
 */
export function pointsReadBy(
  instances: readonly RunningInstance[],
  restoreName: string,
): PointRef[] | undefined {
  const refs: PointRef[] = [];
  for (const instance of instances) {
    if (instance.name !== restoreName) continue;
    let input = instance.input;
    if (typeof input === "string") {
      try {
        input = JSON.parse(input);
      } catch {
        return undefined;
      }
    }
    const { diskId, restorePointId } = (input ?? {}) as Record<string, unknown>;
    if (typeof diskId !== "string" || typeof restorePointId !== "string") return undefined;
    refs.push({ diskId, restorePointId });
  }
  return refs;
}

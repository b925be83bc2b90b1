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

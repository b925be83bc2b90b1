// Durable instance status as the domain sees it: a lookup function (the durable client in the functions
// layer, nothing in process), so procedures can ask "is that run still going?" without the Functions SDK.

export interface InstanceStatus {
  runtimeStatus?: string;
  customStatus?: unknown;
}

/** Looks up a durable instance; undefined when it does not exist (or nothing can be known). */
export type InstanceLookup = (instanceId: string) => Promise<InstanceStatus | undefined>;

/** A lookup that knows of no instance (in-process runs, hosts that bind no durable client). */
export const noInstances: InstanceLookup = async () => undefined;

const BUSY = new Set(["Running", "Pending", "ContinuedAsNew", "Suspended"]);

/** The instance exists and has not finished. */
export function isBusy(status: InstanceStatus | undefined): boolean {
  return status?.runtimeStatus !== undefined && BUSY.has(status.runtimeStatus);
}

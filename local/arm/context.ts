// What every request handler of the stand-in works with: the state, the disk storage, the
// operations, the limits and the identity (subscription, location).
import type { OutgoingHttpHeaders } from "node:http";
import { resourceGroupNotFound } from "./errors";
import type { Operations } from "./operations";
import type { Scope } from "./resources";
import type { ResourceGroupRecord, StateStore } from "./state";
import type { DiskStorage } from "./storage";

/** The service's limits, real in the stand-in; tests shrink the window and counts. */
export interface StandInLimits {
  /** Snapshots of one incremental family with an active SAS at once (service: 5). */
  maxActiveSasPerFamily: number;
  /** Incremental snapshots per disk within `snapshotWindowMs` (service: 7 per 5 minutes). */
  maxSnapshotsPerWindow: number;
  snapshotWindowMs: number;
  /** Incremental snapshots of one disk at a time (service: 500). */
  maxIncrementalSnapshotsPerDisk: number;
  /** Snapshots still in background copy per Premium SSD v2 / Ultra disk (service: 3). */
  maxPendingSnapshotsPerDisk: number;
  /** Longest SAS (service: 60 days). */
  maxSasDurationSeconds: number;
}

export const SERVICE_LIMITS: StandInLimits = {
  maxActiveSasPerFamily: 5,
  maxSnapshotsPerWindow: 7,
  snapshotWindowMs: 5 * 60 * 1000,
  maxIncrementalSnapshotsPerDisk: 500,
  maxPendingSnapshotsPerDisk: 3,
  maxSasDurationSeconds: 5_184_000,
};

export interface StandInContext {
  scope: Scope;
  location: string;
  store: StateStore;
  storage: DiskStorage;
  ops: Operations;
  limits: StandInLimits;
  /** Background copy time of snapshots of Premium SSD v2 / Ultra disks. */
  backgroundCopyMs: number;
  /** How long new resources report provisioningState "Updating" (and their operations InProgress). */
  operationDelayMs: number;
  log(line: string): void;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: OutgoingHttpHeaders;
}

export function requireGroup(ctx: StandInContext, name: string): ResourceGroupRecord {
  const group = ctx.store.state.resourceGroups[name.toLowerCase()];
  if (group === undefined) throw resourceGroupNotFound(name);
  return group;
}

// The stand-in's resources (resource groups, disks, snapshots, operations, snapshot times) and
// their persistence: one JSON file under the data folder, replaced atomically after every change.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import path from "node:path";

export type AccessLevel = "Read" | "Write";

/** An active grant: a stored access policy on the blob's container, named by `id`. */
export interface Grant {
  id: string;
  access: AccessLevel;
  container: string;
  expiresOn: string;
  sasUrl: string;
  /** No stored access policy behind the SAS (Entra-only data access): the SAS alone is refused. */
  unregistered?: boolean;
}

export interface BlobLocation {
  container: string;
  name: string;
  /** Blob snapshot id for incremental snapshots. */
  snapshot?: string;
}

interface ResourceBase {
  resourceGroup: string;
  name: string;
  location: string;
  tags: Record<string, string>;
  skuName: string;
  uniqueId: string;
  timeCreated: string;
  /** Epoch ms until which the resource reports provisioningState "Updating". */
  readyAt: number;
  osType?: string;
  hyperVGeneration?: string;
  logicalSectorSize: number;
  dataAccessAuthMode?: string;
  diskSizeBytes: number;
  blob: BlobLocation;
  grant?: Grant;
}

export interface DiskRecord extends ResourceBase {
  createOption: string;
  sourceResourceId?: string;
  sourceUniqueId?: string;
  uploadSizeBytes?: number;
  /** ReadyToUpload / ActiveUpload until an upload is revoked with a valid footer. */
  uploadState?: "ReadyToUpload" | "ActiveUpload";
  managedBy?: string;
  incrementalSnapshotFamilyId: string;
}

export interface SnapshotRecord extends ResourceBase {
  incremental: boolean;
  sourceResourceId: string;
  sourceUniqueId: string;
  incrementalSnapshotFamilyId?: string;
  /** Epoch ms when the background copy (Premium SSD v2 / Ultra sources) completes. */
  copyStartedAt: number;
  copyCompleteAt: number;
}

export interface OperationRecord {
  id: string;
  startTime: string;
  /** Epoch ms from which the operation reports its outcome. */
  completeAt: number;
  status: "Succeeded" | "Failed";
  output?: unknown;
  error?: { code: string; message: string };
}

export interface ResourceGroupRecord {
  name: string;
  location: string;
}

export interface StandInState {
  version: 1;
  resourceGroups: Record<string, ResourceGroupRecord>;
  disks: Record<string, DiskRecord>;
  snapshots: Record<string, SnapshotRecord>;
  operations: Record<string, OperationRecord>;
  /** Creation times (epoch ms) of incremental snapshots per source disk uniqueId, for the rate limit. */
  snapshotTimes: Record<string, number[]>;
}

/** Case-insensitive key of a resource, as ARM names are. */
export const resourceKey = (resourceGroup: string, name: string): string =>
  `${resourceGroup.toLowerCase()}/${name.toLowerCase()}`;

function emptyState(): StandInState {
  return { version: 1, resourceGroups: {}, disks: {}, snapshots: {}, operations: {}, snapshotTimes: {} };
}

/** Serializes mutations (one at a time) and persists the state after each one. */
export class StateStore {
  readonly file: string;
  state: StandInState;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, "state.json");
    this.state = StateStore.load(this.file);
  }

  private static load(file: string): StandInState {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return emptyState();
      throw error;
    }
    const parsed = JSON.parse(text) as StandInState;
    if (parsed.version !== 1) throw new Error(`${file}: unknown state version ${String(parsed.version)}`);
    return { ...emptyState(), ...parsed };
  }

  /** Runs `work` after every earlier mutation has finished, then writes the state durably. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(async () => {
      try {
        return await work();
      } finally {
        this.save();
      }
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Write to a temporary file, fsync, rename over the old one, fsync the folder: all or nothing. */
  save(): void {
    const temporary = `${this.file}.${process.pid}.tmp`;
    const fd = openSync(temporary, "w", 0o600);
    try {
      writeSync(fd, JSON.stringify(this.state));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, this.file);
    const dirFd = openSync(path.dirname(this.file), "r");
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  }
}

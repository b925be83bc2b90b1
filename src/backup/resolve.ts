// Choosing the disks of a backup run and reading the progress of running disk backups. Instance status
// comes through a lookup function (the durable client in the functions layer), so this stays SDK-free.
import { discoverDisks } from "../disks/discovery";
import type { Disk } from "../disks/identity";
import type { BackupContext } from "./context";
import type { BackupProgress, ResolvedDisks } from "./types";

export interface InstanceStatus {
  runtimeStatus?: string;
  customStatus?: unknown;
}

/** Looks up a durable instance; undefined when it does not exist. */
export type InstanceLookup = (instanceId: string) => Promise<InstanceStatus | undefined>;

const BUSY = new Set(["Running", "Pending", "ContinuedAsNew", "Suspended"]);

export function isBusy(status: InstanceStatus | undefined): boolean {
  return status?.runtimeStatus !== undefined && BUSY.has(status.runtimeStatus);
}

/** Splits requested ids into known disks and unknown ids (all discovered disks when none requested). */
export async function selectDisks(
  ctx: BackupContext,
  requested: string[] | undefined,
): Promise<{ disks: Disk[]; unknown: string[] }> {
  const all = await discoverDisks(ctx.settings, ctx.storage, ctx.log);
  if (requested === undefined) return { disks: all, unknown: [] };
  const byId = new Map(all.map((d) => [d.id, d]));
  const unique = [...new Set(requested)];
  return {
    disks: unique.flatMap((id) => (byId.has(id) ? [byId.get(id)!] : [])),
    unknown: unique.filter((id) => !byId.has(id)),
  };
}

export async function resolveBackupDisks(
  ctx: BackupContext,
  requested: string[] | undefined,
  instanceIdOf: (diskId: string) => string,
  lookup: InstanceLookup,
): Promise<ResolvedDisks> {
  const { disks, unknown } = await selectDisks(ctx, requested);
  const result: ResolvedDisks = { disks: [], skipped: [], unknown };
  for (const disk of disks) {
    const status = await lookup(instanceIdOf(disk.id));
    if (isBusy(status)) {
      ctx.log(`skipping ${disk.id}: a backup of this disk is still ${status?.runtimeStatus}`);
      result.skipped.push({
        diskId: disk.id,
        reason: `a backup of this disk is still ${status?.runtimeStatus}`,
      });
    } else {
      result.disks.push({ diskId: disk.id, sourceUrl: disk.source.url });
    }
  }
  return result;
}

function numberField(value: unknown, key: string): number {
  if (typeof value !== "object" || value === null) return 0;
  const field = (value as Record<string, unknown>)[key];
  return typeof field === "number" && Number.isFinite(field) ? field : 0;
}

/** Sums the progress custom status of disk backups. */
export async function collectProgress(
  instanceIds: string[],
  lookup: InstanceLookup,
): Promise<BackupProgress> {
  const total: BackupProgress = {
    phase: "backing-up",
    bytesTotal: 0,
    bytesDone: 0,
    batchesTotal: 0,
    batchesDone: 0,
  };
  const statuses = await Promise.all(instanceIds.map((id) => lookup(id).catch(() => undefined)));
  for (const status of statuses) {
    const custom = status?.customStatus;
    total.bytesTotal += numberField(custom, "bytesTotal");
    total.bytesDone += numberField(custom, "bytesDone");
    total.batchesTotal += numberField(custom, "batchesTotal");
    total.batchesDone += numberField(custom, "batchesDone");
  }
  return total;
}

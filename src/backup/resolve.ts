// Choosing the disks of a backup run (a disk whose lock another run holds is skipped, in plain words) and
// reading the progress of running disk backups through an instance lookup (src/app/instances.ts).

import type { AppContext } from "../app/context";
import type { InstanceLookup } from "../app/instances";
import { newProgress, type Progress } from "../app/progress";
import { runWaitLimitMs } from "../config/schedule";
import { discover, type SkippedDisk } from "../disks/discovery";
import type { Disk } from "../disks/identity";
import { describeHolder } from "../lineage/locks";
import type { ResolvedDisks } from "./types";

/**
 * Splits requested ids into known disks, page blobs discovery skipped (with why) and unknown ids (all
 * discovered disks when none requested).
 */
export async function selectDisks(
  ctx: AppContext,
  requested: string[] | undefined,
): Promise<{ disks: Disk[]; skipped: SkippedDisk[]; unknown: string[] }> {
  const { disks: all, skipped } = await discover(ctx.settings, ctx.storage, ctx.log, ctx.compute);
  if (requested === undefined) return { disks: all, skipped, unknown: [] };
  const byId = new Map(all.map((d) => [d.id, d]));
  const unique = [...new Set(requested)];
  const skippedIds = new Set(skipped.map((s) => s.diskId));
  return {
    disks: unique.flatMap((id) => (byId.has(id) ? [byId.get(id)!] : [])),
    skipped: skipped.filter((s) => unique.includes(s.diskId)),
    unknown: unique.filter((id) => !byId.has(id) && !skippedIds.has(id)),
  };
}

/** Lock rows read at once while a run resolves its disks. */
const HOLDER_READS = 16;

/**
 * The disks of a run: those a backup or restore holds now are skipped up front (a disk taken between this
 * step and its own begin step is skipped there), and how long the run waits for the others.
 */
export async function resolveBackupDisks(
  ctx: AppContext,
  requested: string[] | undefined,
): Promise<ResolvedDisks> {
  const { disks, skipped, unknown } = await selectDisks(ctx, requested);
  const result: ResolvedDisks = {
    disks: [],
    skipped: skipped.map((s) => ({ diskId: s.diskId, reason: s.reason })),
    unknown,
    waitLimitMs: runWaitLimitMs(ctx.settings.schedule),
  };
  // The lock rows are read side by side, a bounded number at a time (a run may hold hundreds of disks).
  const holders: Array<Awaited<ReturnType<typeof ctx.locks.holder>>> = [];
  for (let i = 0; i < disks.length; i += HOLDER_READS) {
    holders.push(...(await Promise.all(disks.slice(i, i + HOLDER_READS).map((d) => ctx.locks.holder(d.id)))));
  }
  for (const [i, disk] of disks.entries()) {
    const holder = holders[i];
    if (holder) {
      const reason = describeHolder(holder);
      ctx.log(`skipping ${disk.id}: ${reason}`);
      result.skipped.push({ diskId: disk.id, reason });
    } else {
      result.disks.push({ diskId: disk.id, sourceUrl: disk.sourceUrl });
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
export async function collectProgress(instanceIds: string[], lookup: InstanceLookup): Promise<Progress> {
  const total = newProgress("backing-up");
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

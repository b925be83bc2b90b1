// Deciding retention for one disk from its lineage rows, the policy in force and the restores running
// now: the dry run (every point with keep and the rules that keep it) and the plan a pass carries out.
import type { AppContext } from "../app/context";
import type { RestoreReaders } from "../app/instances";
import { CodedError } from "../app/result";
import { listRows, type RowRef } from "../lineage/updates";
import { decideRetention, type Verdict } from "./decide";
import { describePolicy } from "./policy";
import type { RetentionPlan } from "./types";

/** Actions one pass takes on one disk at most (bounds the orchestration's history); the rest waits. */
export const MAX_ACTIONS_PER_PASS = 500;

/** The code of a pass that cannot tell which points running restores read: it deletes nothing. */
export const READERS_UNKNOWN = "RestoreReadersUnknown";

/** Restore point ids of `diskId` read by running restores; throws when that cannot be known. */
export async function readersOf(readers: RestoreReaders | undefined, diskId: string): Promise<Set<string>> {
  const refs = readers ? await readers() : undefined;
  if (refs === undefined) {
    throw new CodedError(
      READERS_UNKNOWN,
      "cannot list the running restores (no durable client), so no restore point is deleted",
    );
  }
  return new Set(refs.filter((r) => r.diskId === diskId).map((r) => r.restorePointId));
}

export interface DiskDecision {
  rows: RowRef[];
  verdicts: Verdict[];
}

/** Decides every row of a disk now (verdicts newest first). */
export async function decideDisk(
  ctx: AppContext,
  diskId: string,
  readers: ReadonlySet<string>,
  now = Date.now(),
): Promise<DiskDecision> {
  const rows = await listRows(ctx.lineage, diskId);
  const verdicts = decideRetention({
    points: rows.map((r) => r.point),
    policy: ctx.settings.retention,
    now,
    readers,
  });
  return { rows, verdicts };
}

/** The actions of one pass over a disk, oldest points first, bounded by MAX_ACTIONS_PER_PASS. */
export async function planRetention(
  ctx: AppContext,
  readers: RestoreReaders | undefined,
  diskId: string,
): Promise<RetentionPlan> {
  // Running restores only matter when something could be deleted: ask only then.
  let { verdicts } = await decideDisk(ctx, diskId, new Set());
  if (verdicts.some((v) => v.action === "delete" || v.action === "unmark")) {
    ({ verdicts } = await decideDisk(ctx, diskId, await readersOf(readers, diskId)));
  }
  const oldestFirst = [...verdicts].reverse();
  const pick = (action: Verdict["action"]) =>
    oldestFirst.filter((v) => v.action === action).map((v) => v.restorePointId);
  const actions = { unmark: pick("unmark"), delete: pick("delete"), remove: pick("remove") };
  let budget = MAX_ACTIONS_PER_PASS;
  const take = (ids: string[]) => {
    const taken = ids.slice(0, Math.max(0, budget));
    budget -= taken.length;
    return taken;
  };
  // Unmarking first: a point a restore needs is back before anything else happens.
  const unmark = take(actions.unmark);
  const toDelete = take(actions.delete);
  const remove = take(actions.remove);
  const total = actions.unmark.length + actions.delete.length + actions.remove.length;
  return {
    diskId,
    policy: describePolicy(ctx.settings.retention),
    kept: verdicts.filter((v) => v.keep && v.status === "completed").length,
    delete: toDelete,
    remove,
    unmark,
    remaining: total - unmark.length - toDelete.length - remove.length,
  };
}

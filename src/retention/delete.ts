// Crash-safe deletion of restore points. The row carries the state: 1. mark it `deleting` (restores
// refuse it from then on), 2. delete its backup snapshot (only one this app created: its metadata names
// this disk and restore point), 3. remove the row. A pass that stops anywhere leaves a `deleting` row the
// next pass finishes. Every step decides again on fresh rows, so a stale plan cannot delete a point that
// was held, or became needed, since it was made.
import type { AppContext } from "../app/context";
import type { RestoreReaders } from "../app/instances";
import type { RestorePoint } from "../lineage/restorePoint";
import { mergeIfUnchanged, type RowRef, readRow, removeIfUnchanged } from "../lineage/updates";
import { isNotFound } from "../storage/errors";
import { TAG_DISK_ID, TAG_RESTORE_POINT_ID } from "../storage/tags";
import { requireBlobUrl } from "../storage/urls";
import type { Verdict } from "./decide";
import { decideDisk, readersOf } from "./plan";
import type { PointOutcome, RetentionApplyInput } from "./types";

type SnapshotState = "present" | "gone" | "foreign";

/** Whether the point's backup snapshot exists and was made by this app for this very point. */
async function snapshotState(ctx: AppContext, point: RestorePoint): Promise<SnapshotState> {
  if (!point.backupUrl || !point.backupSnapshot) return "gone";
  const blob = ctx.storage.pageBlob(requireBlobUrl(point.backupUrl), { snapshot: point.backupSnapshot });
  try {
    const { metadata = {} } = await blob.getProperties();
    const ours =
      metadata[TAG_DISK_ID] === point.diskId && metadata[TAG_RESTORE_POINT_ID] === point.restorePointId;
    return ours ? "present" : "foreign";
  } catch (error) {
    if (isNotFound(error)) return "gone";
    throw error;
  }
}

async function deleteSnapshot(ctx: AppContext, point: RestorePoint): Promise<void> {
  const blob = ctx.storage.pageBlob(requireBlobUrl(point.backupUrl), { snapshot: point.backupSnapshot });
  await blob.deleteIfExists();
}

/** Puts a `deleting` row back to `completed` (its data is still there and someone needs it). */
async function unmark(ctx: AppContext, diskId: string, id: string): Promise<boolean> {
  const ref = await readRow(ctx.lineage, diskId, id);
  if (ref?.point.status !== "deleting") return false;
  return mergeIfUnchanged(ctx.lineage, ref, { status: "completed" });
}

/** Steps 2 and 3 for a row marked `deleting`. */
async function finishDeletion(ctx: AppContext, diskId: string, id: string): Promise<PointOutcome> {
  const ref = await readRow(ctx.lineage, diskId, id);
  if (!ref) return { restorePointId: id, result: "deleted" };
  if (ref.point.status !== "deleting")
    return { restorePointId: id, result: "kept", reason: "changed meanwhile" };
  const state = await snapshotState(ctx, ref.point);
  if (state === "foreign") {
    await unmark(ctx, diskId, id);
    const reason = `backup snapshot ${ref.point.backupSnapshot} was not made by this app for this point: not deleted`;
    ctx.log(`retention ${diskId}: ${id}: ${reason}`);
    return { restorePointId: id, result: "kept", reason };
  }
  if (state === "present") await deleteSnapshot(ctx, ref.point);
  const fresh = (await readRow(ctx.lineage, diskId, id)) ?? ref;
  if (!(await removeIfUnchanged(ctx.lineage, fresh))) {
    return { restorePointId: id, result: "kept", reason: "row changed while it was being removed" };
  }
  ctx.log(`retention ${diskId}: deleted restore point ${id}`);
  return { restorePointId: id, result: "deleted" };
}

/** Step 1: marks a completed point `deleting` if its row is the one the decision read. */
async function mark(ctx: AppContext, ref: RowRef): Promise<boolean> {
  if (ref.point.status === "deleting") return true;
  if (ref.point.status !== "completed") return false;
  return mergeIfUnchanged(ctx.lineage, ref, { status: "deleting" });
}

async function putBack(ctx: AppContext, ref: RowRef): Promise<PointOutcome> {
  const id = ref.point.restorePointId;
  const state = await snapshotState(ctx, ref.point);
  if (state === "gone") return finishDeletion(ctx, ref.partitionKey, id);
  if (await unmark(ctx, ref.partitionKey, id)) return { restorePointId: id, result: "unmarked" };
  return { restorePointId: id, result: "kept", reason: "changed meanwhile" };
}

async function removeFailed(ctx: AppContext, ref: RowRef): Promise<PointOutcome> {
  const id = ref.point.restorePointId;
  if (!(await removeIfUnchanged(ctx.lineage, ref)))
    return { restorePointId: id, result: "kept", reason: "changed meanwhile" };
  return { restorePointId: id, result: "removed" };
}

/**
 * Carries out one batch of a pass: decides again, then deletes, removes or puts back the points the
 * fresh decision still agrees on. Marks first and lists the running restores after marking, so a
 * restore either was already running (and its point is put back) or is refused (409) by the mark.
 */
export async function applyRetention(
  ctx: AppContext,
  readers: RestoreReaders | undefined,
  input: RetentionApplyInput,
): Promise<PointOutcome[]> {
  const { diskId, action } = input;
  const reading = action === "remove" ? new Set<string>() : await readersOf(readers, diskId);
  const { rows, verdicts } = await decideDisk(ctx, diskId, reading);
  const rowOf = new Map(rows.map((r) => [r.point.restorePointId, r]));
  const verdictOf = new Map(verdicts.map((v) => [v.restorePointId, v]));
  const outcomes = new Map<string, PointOutcome>();
  const agreed: RowRef[] = [];
  for (const id of input.restorePointIds) {
    const row = rowOf.get(id);
    const verdict = verdictOf.get(id) as Verdict | undefined;
    if (!row || !verdict)
      outcomes.set(id, { restorePointId: id, result: action === "remove" ? "removed" : "deleted" });
    else if (verdict.action !== action)
      outcomes.set(id, {
        restorePointId: id,
        result: "kept",
        reason: `now ${verdict.action} (${verdict.rules.join(", ")})`,
      });
    else agreed.push(row);
  }
  if (action === "remove" || action === "unmark") {
    for (const row of agreed) {
      outcomes.set(
        row.point.restorePointId,
        await (action === "remove" ? removeFailed(ctx, row) : putBack(ctx, row)),
      );
    }
  } else {
    const marked: string[] = [];
    for (const row of agreed) {
      if (await mark(ctx, row)) marked.push(row.point.restorePointId);
      else
        outcomes.set(row.point.restorePointId, {
          restorePointId: row.point.restorePointId,
          result: "kept",
          reason: "changed meanwhile",
        });
    }
    const readNow = await readersOf(readers, diskId);
    for (const id of marked) {
      if (readNow.has(id)) {
        await unmark(ctx, diskId, id);
        outcomes.set(id, { restorePointId: id, result: "kept", reason: "a running restore reads it" });
      } else {
        outcomes.set(id, await finishDeletion(ctx, diskId, id));
      }
    }
  }
  return input.restorePointIds.map((id) => outcomes.get(id) ?? { restorePointId: id, result: "kept" });
}

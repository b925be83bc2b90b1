// The keep/delete decision of retention over one disk's history (pure, no I/O, no clock: `now` is given).
// It depends only on the set of rows, never on their order, so a pass that runs twice decides the same.
//
// Grandfather-father-son, as restic's `forget` reads it: a period rule `daily=N` keeps the newest
// completed restore point of each of the N newest UTC days that have one (days without a backup do not
// use up the count, so a disk that stopped being backed up keeps its points); `last=N` keeps the N
// newest completed points. A point is kept when any rule keeps it.
import { periodKey } from "./periods";
import { type RetentionPolicy, RULE_NAMES } from "./policy";

/** Failed rows older than this are removed (they hold no data, only the record of a failure). */
export const FAILED_ROW_DAYS = 30;
const FAILED_ROW_MS = FAILED_ROW_DAYS * 86_400_000;

/** What the decision reads of a restore point (a lineage row). */
export interface PointFacts {
  restorePointId: string;
  status: "completed" | "failed" | "deleting";
  kind: "full" | "incremental" | "restored";
  /** The point's instant (its source snapshot was taken then). */
  startedAt: string;
  hold?: boolean | undefined;
}

/** Why a point is kept; a policy rule name, or one of the rules nothing overrides. */
export type KeepRule =
  | "keepEverything"
  | "newest"
  | "hold"
  | "restoring"
  | "lastBackupFailed"
  | "failedUnder30Days"
  | (typeof RULE_NAMES)[number];

/**
 * keep: nothing to do. delete: delete the point (mark, delete its backup snapshot, remove its row; for a
 * row already `deleting`, finish that). remove: remove a failed row (no data). unmark: a `deleting` row
 * that must be kept after all (held, or read by a restore) goes back to `completed`.
 */
export type RetentionAction = "keep" | "delete" | "remove" | "unmark";

export interface Verdict {
  restorePointId: string;
  status: PointFacts["status"];
  startedAt: string;
  keep: boolean;
  /** Every rule that keeps the point (empty when it goes). */
  rules: KeepRule[];
  action: RetentionAction;
}

export interface DecideInput {
  points: readonly PointFacts[];
  /** `null`: RETENTION is unset, keep everything. */
  policy: RetentionPolicy | null;
  /** Epoch ms: only the age of failed rows depends on it. */
  now: number;
  /** Restore point ids that running restores read (src/retention/readers.ts). */
  readers: ReadonlySet<string>;
}

/** Newest first; the id breaks ties, so the order never depends on the input's order. */
function newestFirst(a: { ms: number; id: string }, b: { ms: number; id: string }): number {
  return b.ms - a.ms || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/** Ids kept by each policy rule, computed over the completed points sorted newest first. */
function keptByPolicy(
  completed: Array<{ ms: number; id: string }>,
  policy: RetentionPolicy,
): Map<string, KeepRule[]> {
  const kept = new Map<string, KeepRule[]>();
  const add = (id: string, rule: KeepRule) => {
    const rules = kept.get(id);
    if (rules) rules.push(rule);
    else kept.set(id, [rule]);
  };
  for (const rule of RULE_NAMES) {
    const count = policy[rule];
    if (count === undefined) continue;
    if (rule === "last") {
      for (const p of completed.slice(0, count)) add(p.id, rule);
      continue;
    }
    // Walking newest first, the first point seen in a period is that period's newest.
    let periods = 0;
    let previous: string | undefined;
    for (const p of completed) {
      const key = periodKey(rule, p.ms);
      if (key === previous) continue;
      previous = key;
      if (++periods > count) break;
      add(p.id, rule);
    }
  }
  return kept;
}

/** Decides every row of one disk's history. The verdicts come back newest first. */
export function decideRetention(input: DecideInput): Verdict[] {
  const rows = input.points
    .map((p) => ({ point: p, ms: Date.parse(p.startedAt), id: p.restorePointId }))
    .sort(newestFirst);
  const staying = (r: (typeof rows)[number]) => r.point.hold === true || input.readers.has(r.id);
  // A `deleting` row that must stay is put back to `completed`: it counts as completed already, so the
  // pass after the one that puts it back decides exactly as this one does.
  const completed = rows.filter(
    (r) => r.point.status === "completed" || (r.point.status === "deleting" && staying(r)),
  );
  // A put-back row is a backup that succeeded: newer than a failure, it ends the guard below (as it will
  // once put back, so the next pass agrees).
  const backups = rows.filter(
    (r) => (r.point.status !== "deleting" || staying(r)) && r.point.kind !== "restored",
  );
  // The disk's last backup failed: keep every completed point (and that failure's record) until one succeeds.
  const lastFailed = backups[0]?.point.status === "failed" ? backups[0].id : undefined;
  // The newest completed row is the base of the disk's next backup: never deleted. (A put-back row newer
  // than it cannot arise from passes, which never mark the newest; it is kept as newest too.)
  const newest = new Set([completed[0]?.id, rows.find((r) => r.point.status === "completed")?.id]);
  const byPolicy = input.policy ? keptByPolicy(completed, input.policy) : new Map<string, KeepRule[]>();

  return rows.map(({ point, ms, id }): Verdict => {
    const rules: KeepRule[] = [];
    if (point.hold) rules.push("hold");
    if (input.readers.has(id)) rules.push("restoring");
    let action: RetentionAction;
    if (point.status === "deleting") {
      // Already decided by an earlier pass: finish it, unless it must be kept after all.
      if (rules.length > 0)
        rules.push(...(newest.has(id) ? (["newest"] as const) : []), ...(byPolicy.get(id) ?? []));
      action = rules.length > 0 ? "unmark" : "delete";
    } else if (input.policy === null) {
      rules.push("keepEverything");
      action = "keep";
    } else if (point.status === "failed") {
      if (id === lastFailed) rules.push("lastBackupFailed");
      if (input.now - ms < FAILED_ROW_MS) rules.push("failedUnder30Days");
      action = rules.length > 0 ? "keep" : "remove";
    } else {
      if (newest.has(id)) rules.push("newest");
      if (lastFailed !== undefined) rules.push("lastBackupFailed");
      rules.push(...(byPolicy.get(id) ?? []));
      action = rules.length > 0 ? "keep" : "delete";
    }
    return {
      restorePointId: id,
      status: point.status,
      startedAt: point.startedAt,
      keep: action === "keep" || action === "unmark",
      rules,
      action,
    };
  });
}

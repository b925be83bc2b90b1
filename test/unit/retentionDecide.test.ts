// The keep/delete decision of retention: examples of every rule, and seeded property tests over random
// histories (the seed is printed; TEST_SEED replays): the newest completed point, held points and points
// running restores read are always kept; a disk whose last backup failed loses nothing; failed rows go
// after 30 days; applying twice deletes nothing more; the order of the rows does not matter; each policy
// rule keeps exactly what a brute-force reading of "newest point of each of the N newest periods" keeps.
import { describe, expect, it } from "vitest";
import { decideRetention, type PointFacts, type Verdict } from "../../src/retention/decide";
import { periodKey } from "../../src/retention/periods";
import { type RetentionPolicy, RULE_NAMES } from "../../src/retention/policy";
import { seededRandom } from "../support/random";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.parse("2025-01-01T00:00:00Z");
const iso = (ms: number) => new Date(ms).toISOString();

let counter = 0;
function point(ms: number, extra: Partial<PointFacts> = {}): PointFacts {
  return {
    restorePointId: `p${String(++counter).padStart(5, "0")}`,
    status: "completed",
    kind: "incremental",
    startedAt: iso(ms),
    ...extra,
  };
}

const byId = (verdicts: Verdict[]) => new Map(verdicts.map((v) => [v.restorePointId, v]));
const deleted = (verdicts: Verdict[]) =>
  verdicts.filter((v) => v.action === "delete" || v.action === "remove").map((v) => v.restorePointId);
const none = new Set<string>();

describe("decideRetention: examples", () => {
  it("keeps everything, and says so, when no policy is set", () => {
    const points = [
      point(T0),
      point(T0 + DAY, { status: "failed" }),
      point(T0 - 400 * DAY, { status: "failed" }),
    ];
    const verdicts = decideRetention({ points, policy: null, now: T0 + 1000 * DAY, readers: none });
    expect(verdicts.every((v) => v.action === "keep" && v.rules.includes("keepEverything"))).toBe(true);
  });

  it("keeps the N newest with last=N, and the newest whatever the policy", () => {
    const points = Array.from({ length: 6 }, (_, i) => point(T0 + i * HOUR));
    const verdicts = decideRetention({ points, policy: { last: 2 }, now: T0, readers: none });
    expect(verdicts.map((v) => [v.restorePointId, v.action, v.rules])).toEqual([
      [points[5]!.restorePointId, "keep", ["newest", "last"]],
      [points[4]!.restorePointId, "keep", ["last"]],
      ...points
        .slice(0, 4)
        .reverse()
        .map((p) => [p.restorePointId, "delete", []]),
    ]);
  });

  it("keeps the newest point of each of the N newest days that have one (grandfather-father-son)", () => {
    // Two points a day at 06:00 and 18:00 UTC for 10 days, with days 3 and 4 missing.
    const points = [];
    for (let d = 0; d < 10; d++) {
      if (d === 3 || d === 4) continue;
      points.push(point(T0 + d * DAY + 6 * HOUR), point(T0 + d * DAY + 18 * HOUR));
    }
    const verdicts = decideRetention({ points, policy: { daily: 5 }, now: T0, readers: none });
    const kept = verdicts.filter((v) => v.keep).map((v) => v.startedAt);
    // Days 9, 8, 7, 6, 5 (the newest five days with a backup), the 18:00 point of each.
    expect(kept).toEqual([9, 8, 7, 6, 5].map((d) => iso(T0 + d * DAY + 18 * HOUR)));
    // The skipped days do not use up the count: daily=7 reaches back to day 1.
    const seven = decideRetention({ points, policy: { daily: 7 }, now: T0, readers: none });
    expect(
      seven
        .filter((v) => v.keep)
        .map((v) => v.startedAt)
        .at(-1),
    ).toBe(iso(T0 + 1 * DAY + 18 * HOUR));
  });

  it("applies the deployed policy to two backups a day over 400 days", () => {
    const points = Array.from({ length: 800 }, (_, i) => point(T0 + i * 12 * HOUR));
    const policy = { last: 7, daily: 30, weekly: 12, monthly: 12 };
    const verdicts = decideRetention({ points, policy, now: T0 + 401 * DAY, readers: none });
    const kept = verdicts.filter((v) => v.keep);
    const rulesOf = (at: string) =>
      byId(verdicts).get(points.find((p) => p.startedAt === at)!.restorePointId)?.rules;
    // The newest point: 2026-02-04T12:00Z (i = 799).
    expect(kept[0]?.startedAt).toBe("2026-02-04T12:00:00.000Z");
    expect(kept[0]?.rules).toEqual(["newest", "last", "daily", "weekly", "monthly"]);
    // The oldest monthly point: the last point of March 2025 (12 months: 2025-03 … 2026-02).
    expect(kept.at(-1)?.startedAt).toBe("2025-03-31T12:00:00.000Z");
    expect(kept.at(-1)?.rules).toEqual(["monthly"]);
    // Weekly keeps Sunday 12:00 points (the newest of each ISO week).
    expect(rulesOf("2025-12-28T12:00:00.000Z")).toEqual(["weekly"]);
    expect(rulesOf("2025-12-28T00:00:00.000Z")).toEqual([]);
    // Overlaps: daily keeps the 12:00 points of Jan 6 … Feb 4 (30); last adds the three 00:00 points of
    // Feb 2-4 (3); weekly adds the Sundays before Jan 6: Jan 4 back to Nov 23 (7); monthly adds the month
    // ends not kept yet: Dec 31 and Oct 31 back to Mar 31 (9; Jan 31 and Nov 30 are kept already).
    expect(kept.length).toBe(3 + 30 + 7 + 9);
  });

  it("keeps held points and points running restores read, and says why", () => {
    const points = Array.from({ length: 4 }, (_, i) => point(T0 + i * DAY));
    points[0]!.hold = true;
    const readers = new Set([points[1]!.restorePointId]);
    const verdicts = byId(decideRetention({ points, policy: { last: 1 }, now: T0, readers }));
    expect(verdicts.get(points[0]!.restorePointId)).toMatchObject({ action: "keep", rules: ["hold"] });
    expect(verdicts.get(points[1]!.restorePointId)).toMatchObject({ action: "keep", rules: ["restoring"] });
    expect(verdicts.get(points[2]!.restorePointId)).toMatchObject({ action: "delete", keep: false });
  });

  it("deletes nothing while the disk's last backup failed, and keeps that failure's record", () => {
    const points = [
      point(T0 - 100 * DAY),
      point(T0 - 99 * DAY),
      point(T0 - 98 * DAY),
      point(T0 - 60 * DAY, { status: "failed" }),
      point(T0 - 40 * DAY, { status: "failed" }),
    ];
    const verdicts = decideRetention({ points, policy: { last: 1 }, now: T0, readers: none });
    expect(verdicts.map((v) => [v.action, v.rules])).toEqual([
      ["keep", ["lastBackupFailed"]],
      ["remove", []],
      ["keep", ["newest", "lastBackupFailed", "last"]],
      ["keep", ["lastBackupFailed"]],
      ["keep", ["lastBackupFailed"]],
    ]);
    // A backup that succeeds ends the guard.
    const after = decideRetention({
      points: [...points, point(T0 - DAY)],
      policy: { last: 1 },
      now: T0,
      readers: none,
    });
    expect(after.filter((v) => v.action === "delete")).toHaveLength(3);
    expect(after.filter((v) => v.action === "remove")).toHaveLength(2);
  });

  it("counts a held backup that was being deleted, newer than a failure, as the last backup (seed 1709609128)", () => {
    const points = [
      point(T0 - 100 * DAY),
      point(T0 - 99 * DAY),
      point(T0 - 40 * DAY, { status: "failed" }),
      point(T0 - 39 * DAY, { status: "deleting", hold: true }),
      point(T0 - 38 * DAY, { kind: "restored" }),
    ];
    const first = decideRetention({ points, policy: { last: 1 }, now: T0, readers: none });
    // The held row is put back and is the newest backup: the failure before it is an old failed row.
    expect(first.map((v) => v.action)).toEqual(["keep", "unmark", "remove", "delete", "delete"]);
    // The pass after agrees: nothing more goes.
    const survivors = points
      .slice(3)
      .map((p): PointFacts => (p.status === "deleting" ? { ...p, status: "completed" } : p));
    const second = decideRetention({ points: survivors, policy: { last: 1 }, now: T0, readers: none });
    expect(second.map((v) => v.action)).toEqual(["keep", "keep"]);
  });

  it("does not count a failed restore into the disk as a failed backup", () => {
    const points = [
      point(T0 - 3 * DAY),
      point(T0 - 2 * DAY),
      point(T0 - DAY, { status: "failed", kind: "restored" }),
    ];
    const verdicts = decideRetention({ points, policy: { last: 1 }, now: T0, readers: none });
    expect(verdicts.map((v) => v.action)).toEqual(["keep", "keep", "delete"]);
  });

  it("removes failed rows after 30 days", () => {
    const now = T0;
    const points = [
      point(now),
      point(now - 29 * DAY - 23 * HOUR, { status: "failed" }),
      point(now - 30 * DAY, { status: "failed" }),
      point(now - 300 * DAY, { status: "failed" }),
    ];
    const verdicts = decideRetention({ points, policy: { last: 5 }, now, readers: none });
    expect(verdicts.map((v) => [v.action, v.rules])).toEqual([
      ["keep", ["newest", "last"]],
      ["keep", ["failedUnder30Days"]],
      ["remove", []],
      ["remove", []],
    ]);
  });

  it("finishes deletions already begun, unless the point is held or read meanwhile", () => {
    const points = [
      point(T0),
      point(T0 - DAY, { status: "deleting" }),
      point(T0 - 2 * DAY, { status: "deleting", hold: true }),
      point(T0 - 3 * DAY, { status: "deleting" }),
    ];
    const readers = new Set([points[3]!.restorePointId]);
    const verdicts = decideRetention({ points, policy: { last: 10 }, now: T0, readers });
    expect(verdicts.map((v) => [v.action, v.keep, v.rules])).toEqual([
      ["keep", true, ["newest", "last"]],
      ["delete", false, []],
      ["unmark", true, ["hold", "last"]],
      ["unmark", true, ["restoring", "last"]],
    ]);
    // Even without a policy a half-done deletion is finished.
    expect(decideRetention({ points: [points[1]!], policy: null, now: T0, readers: none })[0]?.action).toBe(
      "delete",
    );
  });
});

/** A random history: bursts of backups over up to three years, some failed, held, deleting or restored. */
function randomHistory(rand: () => number): {
  points: PointFacts[];
  readers: Set<string>;
  policy: RetentionPolicy | null;
  now: number;
} {
  const n = Math.floor(rand() * 80);
  const points: PointFacts[] = [];
  let t = T0;
  for (let i = 0; i < n; i++) {
    const gap = rand() < 0.3 ? rand() * 2 * HOUR : rand() < 0.8 ? rand() * 2 * DAY : rand() * 60 * DAY;
    t += Math.floor(gap);
    const r = rand();
    const status = r < 0.78 ? "completed" : r < 0.93 ? "failed" : "deleting";
    // Sometimes two rows share an instant: ties must not depend on order.
    const at = rand() < 0.05 && points.length > 0 ? Date.parse(points.at(-1)!.startedAt) : t;
    points.push(
      point(at, {
        status,
        kind: rand() < 0.05 ? "restored" : rand() < 0.2 ? "full" : "incremental",
        ...(rand() < 0.07 ? { hold: true } : {}),
      }),
    );
  }
  // Passes never mark the newest completed point, and only passes delete completed rows: no `deleting`
  // row is newer than the newest completed one (if it were, putting it back would move "newest").
  const newestCompleted = points.filter((p) => p.status === "completed").at(-1);
  for (const p of points) {
    if (p.status === "deleting" && (!newestCompleted || p.startedAt >= newestCompleted.startedAt)) {
      p.status = "completed";
    }
  }
  const readers = new Set(points.filter(() => rand() < 0.05).map((p) => p.restorePointId));
  let policy: RetentionPolicy | null = null;
  if (rand() > 0.1) {
    policy = {};
    for (const rule of RULE_NAMES) if (rand() < 0.45) policy[rule] = 1 + Math.floor(rand() * 8);
  }
  return { points, readers, policy, now: t + Math.floor(rand() * 90 * DAY) };
}

function shuffle<T>(items: readonly T[], rand: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Brute force: rule → ids it keeps, straight from the words "newest of each of the N newest periods". */
function oracle(
  points: readonly PointFacts[],
  policy: RetentionPolicy,
  readers: ReadonlySet<string>,
): Map<string, Set<string>> {
  // Rows being deleted that must stay (held, read) are put back: they count as completed.
  const completed = points.filter(
    (p) =>
      p.status === "completed" ||
      (p.status === "deleting" && (p.hold === true || readers.has(p.restorePointId))),
  );
  const newer = (a: PointFacts, b: PointFacts) =>
    Date.parse(a.startedAt) - Date.parse(b.startedAt) || (a.restorePointId < b.restorePointId ? -1 : 1);
  const result = new Map<string, Set<string>>();
  for (const rule of RULE_NAMES) {
    const count = policy[rule];
    if (count === undefined) continue;
    if (rule === "last") {
      result.set(
        rule,
        new Set(
          [...completed]
            .sort(newer)
            .reverse()
            .slice(0, count)
            .map((p) => p.restorePointId),
        ),
      );
      continue;
    }
    const newestOf = new Map<string, PointFacts>();
    for (const p of completed) {
      const key = periodKey(rule, Date.parse(p.startedAt));
      const best = newestOf.get(key);
      if (!best || newer(p, best) > 0) newestOf.set(key, p);
    }
    const keys = [...newestOf.keys()].sort().reverse().slice(0, count);
    result.set(rule, new Set(keys.map((k) => newestOf.get(k)!.restorePointId)));
  }
  return result;
}

describe("decideRetention: properties over random histories", () => {
  const { rand, seed } = seededRandom();
  const ROUNDS = 800;

  it(`holds every invariant (seed ${seed}, ${ROUNDS} histories)`, () => {
    console.log(`retention property seed ${seed} (TEST_SEED=${seed} replays)`);
    for (let round = 0; round < ROUNDS; round++) {
      const history = randomHistory(rand);
      const context = `seed ${seed} round ${round}`;
      const verdicts = decideRetention(history);
      const verdictOf = byId(verdicts);
      expect(verdicts, context).toHaveLength(history.points.length);

      // Newest first, whatever the input order; the same verdicts for any order of the rows.
      const again = decideRetention({ ...history, points: shuffle(history.points, rand) });
      expect(again, context).toEqual(verdicts);

      const completed = history.points
        .filter((p) => p.status === "completed")
        .sort(
          (a, b) =>
            Date.parse(b.startedAt) - Date.parse(a.startedAt) ||
            (a.restorePointId < b.restorePointId ? 1 : -1),
        );
      if (completed[0]) expect(verdictOf.get(completed[0].restorePointId)?.action, context).toBe("keep");

      for (const p of history.points) {
        const v = verdictOf.get(p.restorePointId)!;
        expect(v.keep, context).toBe(v.action === "keep" || v.action === "unmark");
        expect(v.keep, context).toBe(v.rules.length > 0);
        if (p.hold || history.readers.has(p.restorePointId))
          expect(v.keep, `${context} ${p.restorePointId}`).toBe(true);
        if (p.status === "deleting") expect(["delete", "unmark"], context).toContain(v.action);
        if (p.status === "completed" && v.action !== "keep") expect(v.action, context).toBe("delete");
        if (p.status === "failed") expect(["keep", "remove"], context).toContain(v.action);
        if (history.policy === null && p.status !== "deleting") expect(v.action, context).toBe("keep");
        if (p.status === "failed" && v.action === "remove") {
          expect(history.now - Date.parse(p.startedAt), context).toBeGreaterThanOrEqual(30 * DAY);
        }
      }

      // The disk's last backup failed: no completed point is deleted.
      // (a `deleting` row that is put back counts as the completed backup it was)
      const staying = (p: PointFacts) => p.hold === true || history.readers.has(p.restorePointId);
      const backups = history.points
        .filter((p) => (p.status !== "deleting" || staying(p)) && p.kind !== "restored")
        .sort(
          (a, b) =>
            Date.parse(b.startedAt) - Date.parse(a.startedAt) ||
            (a.restorePointId < b.restorePointId ? 1 : -1),
        );
      if (backups[0]?.status === "failed") {
        const lost = verdicts.filter((v) => v.status === "completed" && v.action === "delete");
        expect(lost, context).toEqual([]);
      }

      // Each rule keeps exactly what the brute-force reading keeps.
      if (history.policy && history.points.length > 0) {
        for (const [rule, ids] of oracle(history.points, history.policy, history.readers)) {
          const byRule = verdicts.filter((v) => v.rules.includes(rule as Verdict["rules"][number]));
          expect(new Set(byRule.map((v) => v.restorePointId)), `${context} ${rule}`).toEqual(ids);
        }
      }

      // Applying the decision, then deciding again, deletes nothing more.
      const survivors = history.points
        .filter((p) => !["delete", "remove"].includes(verdictOf.get(p.restorePointId)!.action))
        .map((p): PointFacts => (p.status === "deleting" ? { ...p, status: "completed" } : p));
      const second = decideRetention({ ...history, points: survivors });
      expect(deleted(second), context).toEqual([]);

      // Keeping more of any rule never deletes a point that was kept.
      if (history.policy) {
        const rule = RULE_NAMES[Math.floor(rand() * RULE_NAMES.length)]!;
        const more = { ...history.policy, [rule]: (history.policy[rule] ?? 0) + 1 + Math.floor(rand() * 3) };
        const wider = byId(decideRetention({ ...history, policy: more }));
        for (const v of verdicts) if (v.keep) expect(wider.get(v.restorePointId)?.keep, context).toBe(true);
      }
    }
  });
});

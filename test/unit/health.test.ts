// The schedule's expected interval (from BACKUP_SCHEDULE) and a disk's freshness against it: fresh, stale
// (no completed point, or older than twice the interval), failing (the newest attempt failed).
import { describe, expect, it } from "vitest";
import { freshnessOf } from "../../src/api/health";
import { scheduleInterval } from "../../src/config/schedule";
import type { RestorePoint } from "../../src/lineage/restorePoint";

const HOUR = 3600_000;
const from = new Date("2026-03-02T10:00:00Z"); // a Monday

describe("scheduleInterval", () => {
  it("is the longest gap between consecutive runs, and stale after twice that", () => {
    expect(scheduleInterval("0 0 */12 * * *", from)).toEqual({
      expression: "0 0 */12 * * *",
      intervalMs: 12 * HOUR,
      staleAfterMs: 24 * HOUR,
    });
    expect(scheduleInterval("0 30 2 * * *", from).intervalMs).toBe(24 * HOUR);
    // Weekdays only: the weekend gap, Friday 09:00 to Monday 09:00.
    expect(scheduleInterval("0 0 9 * * 1-5", from).intervalMs).toBe(72 * HOUR);
    // Uneven hours: 00, 06, 12, 18, then 00 again.
    expect(scheduleInterval("0 0 0,6,12,18 * * *", from).intervalMs).toBe(6 * HOUR);
    expect(scheduleInterval("0 0 1,2 * * *", from).intervalMs).toBe(23 * HOUR);
    // Once a year: a leap year's 366 days at most.
    expect(scheduleInterval("0 0 0 1 1 *", from).intervalMs).toBe(366 * 24 * HOUR);
  });
});

function point(fields: Partial<RestorePoint>): RestorePoint {
  return {
    restorePointId: "p",
    diskId: "d",
    sourceUrl: "",
    sourceSnapshot: "",
    backupUrl: "",
    backupSnapshot: "",
    parentRestorePointId: null,
    kind: "incremental",
    diskSizeBytes: 0,
    changedBytes: 0,
    clearedBytes: 0,
    rangeCount: 0,
    startedAt: "",
    completedAt: "",
    runId: "",
    status: "completed",
    reason: null,
    ...fields,
  };
}

describe("freshnessOf", () => {
  const schedule = { expression: "x", intervalMs: 12 * HOUR, staleAfterMs: 24 * HOUR };
  const now = new Date("2026-03-02T12:00:00Z");
  const disk = { diskId: "d", sourceUrl: "u" };
  const at = (hoursAgo: number) => new Date(now.getTime() - hoursAgo * HOUR).toISOString();

  it("is stale without any completed restore point", () => {
    expect(freshnessOf(disk, [], schedule, now)).toMatchObject({
      status: "stale",
      stale: true,
      failing: false,
      lastCompleted: null,
    });
  });

  it("is fresh up to twice the interval, stale after", () => {
    const young = [point({ restorePointId: "a", startedAt: at(24.1), completedAt: at(24) })];
    expect(freshnessOf(disk, young, schedule, now)).toMatchObject({
      status: "fresh",
      lastCompleted: { restorePointId: "a", ageMs: 24 * HOUR },
    });
    const old = [point({ restorePointId: "a", startedAt: at(24.2), completedAt: at(24.01) })];
    expect(freshnessOf(disk, old, schedule, now)).toMatchObject({ status: "stale", stale: true });
  });

  it("is failing when the newest attempt failed, with its reason; an older failure is only reported", () => {
    const points = [
      point({ restorePointId: "b", status: "failed", reason: "lease held", startedAt: at(1) }),
      point({ restorePointId: "a", startedAt: at(2.1), completedAt: at(2) }),
    ];
    expect(freshnessOf(disk, points, schedule, now)).toMatchObject({
      status: "failing",
      stale: false,
      failing: true,
      lastFailure: { restorePointId: "b", reason: "lease held", startedAt: at(1) },
    });
    const recovered = [point({ restorePointId: "c", startedAt: at(0.5), completedAt: at(0.4) }), ...points];
    expect(freshnessOf(disk, recovered, schedule, now)).toMatchObject({
      status: "fresh",
      failing: false,
      lastFailure: { restorePointId: "b" },
    });
  });

  it("says failing when a disk is both failing and stale, and keeps both flags", () => {
    const points = [
      point({ restorePointId: "b", status: "failed", startedAt: at(1) }),
      point({ restorePointId: "a", startedAt: at(50), completedAt: at(49) }),
    ];
    expect(freshnessOf(disk, points, schedule, now)).toMatchObject({
      status: "failing",
      stale: true,
      failing: true,
    });
  });
});

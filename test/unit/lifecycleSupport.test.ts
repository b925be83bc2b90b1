// Small pure pieces of the restore point lifecycle: which points running restores read (from durable
// instance inputs), selection refusing a point being deleted, and the coverage GET /api/disks reports.
import { describe, expect, it } from "vitest";
import { coverageOf } from "../../src/api/sizes";
import { pointsReadBy } from "../../src/app/instances";
import type { RestorePoint } from "../../src/lineage/restorePoint";
import { selectRestorePoint } from "../../src/restore/select";

describe("pointsReadBy", () => {
  it("reads the disk and restore point of every running restore, ignoring other orchestrations", () => {
    const refs = pointsReadBy(
      [
        {
          name: "restoreDisk",
          input: { diskId: "d1", restorePointId: "p1", targetUrl: "x", overwrite: false },
        },
        { name: "backupDisk", input: { diskId: "d2" } },
        { name: "restoreDisk", input: JSON.stringify({ diskId: "d3", restorePointId: "p3" }) },
      ],
      "restoreDisk",
    );
    expect(refs).toEqual([
      { diskId: "d1", restorePointId: "p1" },
      { diskId: "d3", restorePointId: "p3" },
    ]);
  });

  it("knows nothing when a running restore's input does not say what it reads", () => {
    expect(pointsReadBy([{ name: "restoreDisk", input: undefined }], "restoreDisk")).toBeUndefined();
    expect(pointsReadBy([{ name: "restoreDisk", input: "{broken" }], "restoreDisk")).toBeUndefined();
    expect(pointsReadBy([{ name: "restoreDisk", input: { diskId: "d" } }], "restoreDisk")).toBeUndefined();
    expect(pointsReadBy([], "restoreDisk")).toEqual([]);
  });
});

const point = (id: string, status: RestorePoint["status"], startedAt: string, verification?: unknown) =>
  ({
    restorePointId: id,
    status,
    startedAt,
    ...(verification ? { verification: JSON.stringify(verification) } : {}),
  }) as RestorePoint;

describe("a point being deleted", () => {
  const points = [
    point("b", "deleting", "2025-01-02T00:00:00Z"),
    point("a", "completed", "2025-01-01T00:00:00Z"),
  ];

  it("is refused by id with RestorePointDeleting", () => {
    expect(selectRestorePoint("disk", points, { restorePointId: "b" })).toMatchObject({
      ok: false,
      error: { code: "RestorePointDeleting" },
    });
  });

  it("is passed over by point in time", () => {
    const selected = selectRestorePoint("disk", points, { pointInTime: Date.parse("2025-01-03T00:00:00Z") });
    expect(selected).toMatchObject({ ok: true, value: { restorePointId: "a" } });
  });
});

describe("coverageOf", () => {
  it("reports the newest verification record, skipping restore verifications", () => {
    const record = {
      mode: "rolling",
      verifiedAt: "2025-01-02T00:00:01Z",
      pass: 3,
      coverage: 0.4,
      mismatches: 0,
      next: { pass: 3, cursor: 4096 },
    };
    const points = [
      point("c", "completed", "2025-01-03T00:00:00Z", { verified: true, bytesCompared: 1 }),
      point("b", "completed", "2025-01-02T00:00:00Z", record),
      point("a", "completed", "2025-01-01T00:00:00Z", { ...record, pass: 2 }),
    ];
    expect(coverageOf(points)).toEqual({
      restorePointId: "b",
      verifiedAt: "2025-01-02T00:00:01Z",
      mode: "rolling",
      pass: 3,
      coverage: 0.4,
      mismatches: 0,
    });
    expect(coverageOf([points[0]!])).toBeNull();
  });
});

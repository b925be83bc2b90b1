// The pure parts of a restore: request parsing (every malformed field named), restore point selection
// (by id or point in time, never a failed point), target refusals, names of what a restore creates, and
// the lineage rows it writes.
import { describe, expect, it } from "vitest";
import { VERIFICATION_FAILED } from "../../src/app/codes";
import { loadSettings } from "../../src/config/settings";
import type { RestorePoint } from "../../src/lineage/restorePoint";
import { targetRefusal } from "../../src/restore/admission";
import { defaultTargetOf, promotedBlobOf, restoreLeaseIdOf, safetyBlobOf } from "../../src/restore/naming";
import { failedPointOf, restoredPointOf, safetyPointOf } from "../../src/restore/record";
import { parseInstant, parseRestoreRequest } from "../../src/restore/request";
import { selectRestorePoint } from "../../src/restore/select";
import { targetPlaceRefusal } from "../../src/restore/target";
import type { RestoreRun } from "../../src/restore/types";
import { combineVerification } from "../../src/restore/verify";
import { parseBlobUrl, requireBlobUrl } from "../../src/storage/urls";

const disk = "devstoreaccount1-vhds-vm-vhd-1a2b3c4d";
const src = "http://127.0.0.1:10000/devstoreaccount1/vhds/vm.vhd";

function point(id: string, startedAt: string, status: RestorePoint["status"] = "completed"): RestorePoint {
  return {
    restorePointId: id,
    diskId: disk,
    sourceUrl: src,
    sourceSnapshot: "s",
    backupUrl: "http://127.0.0.1:10000/devbackupaccount/backups/devstoreaccount1/vhds/vm.vhd",
    backupSnapshot: "b",
    parentRestorePointId: null,
    kind: "full",
    diskSizeBytes: 1024,
    changedBytes: 512,
    clearedBytes: 0,
    rangeCount: 1,
    startedAt,
    completedAt: startedAt,
    runId: "r",
    status,
    reason: status === "failed" ? "boom" : null,
  };
}

describe("parseRestoreRequest", () => {
  it("accepts a restore point id or a point in time, with an optional target", () => {
    expect(parseRestoreRequest({ diskId: disk, restorePointId: "20250101T000000Z-1a2b3c4d" })).toEqual({
      ok: true,
      value: {
        diskId: disk,
        restorePointId: "20250101T000000Z-1a2b3c4d",
        pointInTime: undefined,
        targetUrl: undefined,
        overwrite: false,
      },
    });
    const pit = parseRestoreRequest({
      diskId: disk,
      pointInTime: "2025-01-01T12:00:00Z",
      targetUrl: `${src}.x`,
      overwrite: true,
    });
    expect(pit.ok && pit.value.pointInTime).toBe(Date.parse("2025-01-01T12:00:00Z"));
    expect(pit.ok && pit.value.overwrite).toBe(true);
  });

  it.each([
    [null, /JSON object/],
    [[], /JSON object/],
    [{}, /diskId/],
    [{ diskId: "Not A Disk" }, /diskId: is not a disk id/],
    [{ diskId: disk }, /exactly one of restorePointId and pointInTime/],
    [{ diskId: disk, restorePointId: "a", pointInTime: "2025-01-01T00:00:00Z" }, /exactly one/],
    [{ diskId: disk, restorePointId: "../x" }, /restorePointId: is not a restore point id/],
    [{ diskId: disk, pointInTime: "yesterday" }, /pointInTime: is not an ISO 8601 instant/],
    [{ diskId: disk, pointInTime: "+275760-09-13T00:00:00Z" }, /pointInTime: is not an ISO 8601 instant/],
    [{ diskId: disk, pointInTime: "275760-09-13T00:00:00Z" }, /pointInTime: is not an ISO 8601 instant/],
    [{ diskId: disk, pointInTime: "2025-02-30T00:00:00Z" }, /pointInTime: is not an ISO 8601 instant/],
    [{ diskId: disk, pointInTime: "2025-01-01T24:00:00Z" }, /pointInTime: is not an ISO 8601 instant/],
    [{ diskId: disk, pointInTime: "2025-01-01" }, /pointInTime: is not an ISO 8601 instant/],
    [{ diskId: disk, pointInTime: "2025-01-01T12:00:00" }, /pointInTime: is not an ISO 8601 instant/],
    [
      { diskId: disk, pointInTime: "Wed, 01 Jan 2025 12:00:00 GMT" },
      /pointInTime: is not an ISO 8601 instant/,
    ],
    [{ diskId: disk, pointInTime: "1969-12-31T23:59:59Z" }, /pointInTime: is not an ISO 8601 instant/],
    [{ diskId: disk, pointInTime: "2025-01-01T12:00:00+25:00" }, /pointInTime: is not an ISO 8601 instant/],
    [{ diskId: disk, restorePointId: "a", overwrite: "yes" }, /overwrite/],
    [{ diskId: disk, restorePointId: "a", extra: 1 }, /extra/],
    [{ diskId: disk, restorePointId: "a", targetUrl: "ftp://x/y/z" }, /targetUrl must be http/],
    [{ diskId: disk, restorePointId: "a", targetUrl: `${src}?sv=1` }, /targetUrl must not carry a query/],
    [
      { diskId: disk, restorePointId: "a", targetUrl: `${src}x/%ZZ` },
      /targetUrl has an invalid percent-escape/,
    ],
    [
      { diskId: disk, restorePointId: "a", targetUrl: `${src}x/${"n".repeat(2000)}` },
      /targetUrl has a blob name that is 2\d{3} characters long \(the service allows 1024\)/,
    ],
    [
      { diskId: disk, restorePointId: "a", targetUrl: `${src}x/a%00b` },
      /targetUrl has a blob name that contains a control/,
    ],
    [
      {
        diskId: disk,
        restorePointId: "a",
        targetUrl: `${src}x/..%2F..%2Fdevbackupaccount%2Fbackups%2Fx.vhd`,
      },
      /targetUrl has a blob name that has a '.' or '..' path segment/,
    ],
    [
      { diskId: disk, restorePointId: "a", targetUrl: "http://127.0.0.1:10000/devstoreaccount1/vhds" },
      /must name a blob/,
    ],
  ])("refuses %j", (body, message) => {
    const parsed = parseRestoreRequest(body);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(message);
  });
});

describe("parseInstant", () => {
  it("reads ISO 8601 instants with any offset and up to 9 fraction digits, to the millisecond", () => {
    expect(parseInstant("2025-01-01T12:00:00Z")).toBe(Date.UTC(2025, 0, 1, 12));
    expect(parseInstant("2025-01-01T12:00Z")).toBe(Date.UTC(2025, 0, 1, 12));
    expect(parseInstant("2025-01-01T13:30:00+01:30")).toBe(Date.UTC(2025, 0, 1, 12));
    expect(parseInstant("2025-01-01T10:00:00.123456789-02:00")).toBe(Date.UTC(2025, 0, 1, 12, 0, 0, 123));
    expect(parseInstant("2024-02-29T00:00:00Z")).toBe(Date.UTC(2024, 1, 29));
    expect(parseInstant("2023-02-29T00:00:00Z")).toBeUndefined();
    expect(parseInstant("9999-12-31T23:59:59.999Z")).toBe(Date.UTC(9999, 11, 31, 23, 59, 59, 999));
  });
});

describe("selectRestorePoint", () => {
  const points = [
    point("p3", "2025-01-03T00:00:00.000Z", "failed"),
    point("p2", "2025-01-02T00:00:00.000Z"),
    point("p1", "2025-01-01T00:00:00.000Z"),
  ];

  it("selects by id, refusing unknown and unfinished points", () => {
    expect(selectRestorePoint(disk, points, { restorePointId: "p1" })).toMatchObject({
      ok: true,
      value: { restorePointId: "p1" },
    });
    expect(selectRestorePoint(disk, points, { restorePointId: "p9" })).toMatchObject({
      ok: false,
      error: { code: "RestorePointNotFound" },
    });
    const failed = selectRestorePoint(disk, points, { restorePointId: "p3" });
    expect(failed).toMatchObject({ ok: false, error: { code: "RestorePointNotCompleted" } });
    expect(!failed.ok && failed.error.message).toContain("boom");
  });

  it("selects the newest completed point at or before an instant, whatever the order of the rows", () => {
    const at = (iso: string) => ({ pointInTime: Date.parse(iso) });
    for (const rows of [points, [...points].reverse()]) {
      expect(selectRestorePoint(disk, rows, at("2025-01-01T00:00:00.000Z"))).toMatchObject({
        value: { restorePointId: "p1" },
      });
      expect(selectRestorePoint(disk, rows, at("2025-01-01T23:59:59.999Z"))).toMatchObject({
        value: { restorePointId: "p1" },
      });
      expect(selectRestorePoint(disk, rows, at("2030-01-01T00:00:00.000Z"))).toMatchObject({
        value: { restorePointId: "p2" },
      });
      expect(selectRestorePoint(disk, rows, at("2024-12-31T00:00:00.000Z"))).toMatchObject({
        ok: false,
        error: { code: "RestorePointNotFound" },
      });
    }
  });
});

describe("selectRestorePoint by the data's time", () => {
  // A run that waited (a busy window, a retried begin step) starts long before it snapshots the disk.
  const waited = (id: string, startedAt: string, sourceSnapshot: string): RestorePoint => ({
    ...point(id, startedAt),
    sourceSnapshot,
  });
  const rows = [
    waited("late", "2025-01-01T10:00:00.000Z", "2025-01-01T11:30:00.1234567Z"),
    waited("early", "2025-01-01T09:00:00.000Z", "2025-01-01T09:00:05.0000000Z"),
  ];
  const pick = (iso: string) => {
    const selected = selectRestorePoint(disk, rows, { pointInTime: Date.parse(iso) });
    return selected.ok ? selected.value.restorePointId : selected.error.code;
  };

  it("picks by the source snapshot's time, not by when the run started", () => {
    // 10:30: the late run had started, but the disk it copied is from 11:30
    expect(pick("2025-01-01T10:30:00.000Z")).toBe("early");
    expect(pick("2025-01-01T11:30:00.123Z")).toBe("early");
    expect(pick("2025-01-01T11:30:00.124Z")).toBe("late");
    expect(pick("2025-01-01T09:00:05.000Z")).toBe("early");
    expect(pick("2025-01-01T09:00:04.999Z")).toBe("RestorePointNotFound");
  });

  it("falls back to the start time for a row without a readable snapshot time", () => {
    const legacy = [waited("old", "2025-01-01T08:00:00.000Z", ""), ...rows];
    const selected = selectRestorePoint(disk, legacy, { pointInTime: Date.parse("2025-01-01T08:30:00Z") });
    expect(selected).toMatchObject({ ok: true, value: { restorePointId: "old" } });
  });
});

describe("where a restore may write", () => {
  const settings = loadSettings({
    BACKUP_SOURCES:
      "http://127.0.0.1:10000/devstoreaccount1/vhds http://127.0.0.1:10000/otheraccount/disks/a.vhd",
    BACKUP_TARGET: "http://127.0.0.1:10000/devbackupaccount/backups",
    RESTORE_TARGETS: "http://127.0.0.1:10000/restoreaccount http://127.0.0.1:10000/devstoreaccount1/restores",
  });
  const place = (url: string) => targetPlaceRefusal(settings, requireBlobUrl(url))?.code ?? "allowed";

  it("allows the sources' containers and RESTORE_TARGETS, refuses the backup account and everything else", () => {
    expect(place("http://127.0.0.1:10000/devstoreaccount1/vhds/new.vhd")).toBe("allowed");
    expect(place("http://127.0.0.1:10000/devstoreaccount1/restores/new.vhd")).toBe("allowed");
    expect(place("http://127.0.0.1:10000/otheraccount/disks/b.vhd")).toBe("allowed");
    expect(place("http://127.0.0.1:10000/restoreaccount/anything/new.vhd")).toBe("allowed");
    expect(place("http://127.0.0.1:10000/devbackupaccount/backups/x.vhd")).toBe("TargetInBackupAccount");
    expect(place("http://127.0.0.1:10000/devbackupaccount/other/x.vhd")).toBe("TargetInBackupAccount");
    expect(place("http://127.0.0.1:10000/devstoreaccount1/elsewhere/x.vhd")).toBe("TargetNotAllowed");
    expect(place("http://127.0.0.1:10000/otheraccount/other/x.vhd")).toBe("TargetNotAllowed");
    expect(place("http://localhost:10000/devstoreaccount1/vhds/x.vhd")).toBe("TargetNotAllowed");
    expect(place("http://127.0.0.2:10000/devstoreaccount1/vhds/x.vhd")).toBe("TargetNotAllowed");
    expect(place("http://[::1]:10000/devstoreaccount1/vhds/x.vhd")).toBe("TargetNotAllowed");
    expect(place("https://127.0.0.1:10000/devstoreaccount1/vhds/x.vhd")).toBe("TargetNotAllowed");
    expect(place("https://devstoreaccount1.blob.core.windows.net/vhds/x.vhd")).toBe("TargetNotAllowed");
    expect(place("https://evil.example.com/vhds/x.vhd")).toBe("TargetNotAllowed");
  });
});

describe("target refusals", () => {
  const exists = (over: Partial<{ pageBlob: boolean; leased: boolean }>) => ({
    kind: "exists" as const,
    pageBlob: true,
    leased: false,
    sizeBytes: 0,
    metadata: {},
    ...over,
  });
  it("refuses a missing container, a leased or foreign blob, and an existing target without overwrite", () => {
    expect(targetRefusal("u", { kind: "noContainer" }, true)).toMatchObject({
      error: { status: 404, code: "TargetContainerNotFound" },
    });
    expect(targetRefusal("u", { kind: "absent" }, false)).toBeUndefined();
    expect(targetRefusal("u", exists({ leased: true }), true)).toMatchObject({
      error: { status: 409, code: "TargetLeased" },
    });
    expect(targetRefusal("u", exists({ pageBlob: false }), true)).toMatchObject({
      error: { status: 409, code: "TargetNotPageBlob" },
    });
    expect(targetRefusal("u", exists({}), false)).toMatchObject({
      error: { status: 409, code: "TargetExists" },
    });
    expect(targetRefusal("u", exists({}), true)).toBeUndefined();
  });
});

describe("names and rows of a restore", () => {
  const source = requireBlobUrl(src);
  const container = parseBlobUrl("http://127.0.0.1:10000/devbackupaccount/backups");
  if (!container.ok) throw new Error(container.error);
  const backups = container.value;

  it("names the default target next to the source, keeping the extension", () => {
    expect(defaultTargetOf(source, "P").url).toBe(
      "http://127.0.0.1:10000/devstoreaccount1/vhds/vm-restore-P.vhd",
    );
    expect(defaultTargetOf(requireBlobUrl(`${src.replace("vm.vhd", "dir.d/disk")}`), "P").blobName).toBe(
      "dir.d/disk-restore-P",
    );
    expect(promotedBlobOf(backups, source, "N").blobName).toBe("devstoreaccount1/vhds/vm.vhd.restore-N");
    expect(safetyBlobOf(backups, source, "S").blobName).toBe("devstoreaccount1/vhds/vm.vhd.safety-S");
    expect(restoreLeaseIdOf("d", "n")).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(restoreLeaseIdOf("d", "n")).toBe(restoreLeaseIdOf("d", "n"));
  });

  const run: RestoreRun = {
    diskId: disk,
    restorePointId: "P",
    targetUrl: `${src}.new`,
    overwrite: true,
    runId: "run",
    backupUrl: "bu",
    backupSnapshot: "bs",
    sizeBytes: 4096,
    targetDiskId: "target-1",
    targetExisted: true,
    newRestorePointId: "N",
    startedAt: "2025-01-02T00:00:00.001Z",
    promotedUrl: "pu",
    leaseId: "l",
    safety: { restorePointId: "S", startedAt: "2025-01-02T00:00:00.000Z", blobUrl: "su" },
    chain: null,
    revert: false,
  };
  const copied = {
    sizeBytes: 4096,
    writeBytes: 1024,
    clearBytes: 512,
    rangeCount: 3,
    batchBytes: [1024],
    window: 4,
  };

  it("records the restored point as the first of the new chain, with its verification", () => {
    const verification = combineVerification([
      { bytesCompared: 0, chunks: 0, digest: "a", done: true },
      { bytesCompared: 1024, chunks: 1, digest: "b", done: true },
    ]);
    expect(verification).toMatchObject({ verified: true, bytesCompared: 1024, chunks: 1 });
    const row = restoredPointOf(
      run,
      {
        targetSnapshot: "ts",
        backupUrl: "pu",
        promotedSnapshot: "ps",
        sizeBytes: 4096,
        writeBytes: 1024,
        clearBytes: 512,
        rangeCount: 3,
      },
      verification,
    );
    expect(row).toMatchObject({
      restorePointId: "N",
      diskId: "target-1",
      sourceUrl: run.targetUrl,
      sourceSnapshot: "ts",
      backupUrl: "pu",
      backupSnapshot: "ps",
      parentRestorePointId: "P",
      kind: "restored",
      status: "completed",
      restoredFromDiskId: disk,
    });
    expect(JSON.parse(row.verification)).toEqual(verification);
  });

  it("records a safety point as an ordinary full point, and a failure with its verification result", () => {
    expect(safetyPointOf({ run, targetSnapshot: "t", safetySnapshot: "s", copied })).toMatchObject({
      restorePointId: "S",
      kind: "full",
      sourceSnapshot: "t",
      backupUrl: "su",
      backupSnapshot: "s",
      changedBytes: 1024,
      status: "completed",
    });
    expect(() =>
      safetyPointOf({ run: { ...run, safety: null }, targetSnapshot: "t", safetySnapshot: "s", copied }),
    ).toThrow();
    const mismatch = failedPointOf(run, { code: VERIFICATION_FAILED, message: "differs at byte 7" }, "why");
    expect(mismatch).toMatchObject({ status: "failed", reason: "why" });
    expect(JSON.parse(mismatch.verification)).toEqual({ verified: false, reason: "differs at byte 7" });
    // the same words with another code are not a verification result: codes decide, not prose
    expect(
      failedPointOf(run, { code: "StepFailed", message: "VerificationError differs" }, "why").verification,
    ).toBe("");
  });

  it("records a safety point into a held chain as an incremental of that chain, unless copied in full", () => {
    const chained: RestoreRun = {
      ...run,
      chain: { backupUrl: "cu", restorePointId: "L", sourceSnapshot: "ls", leaseId: "cl" },
      safety: { restorePointId: "S", startedAt: "2025-01-02T00:00:00.000Z", blobUrl: "cu" },
    };
    const incremental = { ...copied, kind: "incremental" as const };
    expect(
      safetyPointOf({ run: chained, targetSnapshot: "t", safetySnapshot: "s", copied: incremental }),
    ).toMatchObject({
      kind: "incremental",
      parentRestorePointId: "L",
      backupUrl: "cu",
      clearedBytes: 512,
    });
    const full = { ...copied, kind: "full" as const };
    expect(
      safetyPointOf({ run: chained, targetSnapshot: "t", safetySnapshot: "s", copied: full }),
    ).toMatchObject({
      kind: "full",
      parentRestorePointId: null,
    });
  });
});

// Disk ids, backup blob names, restore point ids and lineage keys: stable, safe and sorted newest first.
import { describe, expect, it } from "vitest";
import { backupBlobNameOf, diskIdOf, diskOf, isDiskId } from "../../src/disks/identity";
import { isTableKeySafe, restorePointIdOf, rowKeyOf } from "../../src/lineage/restorePoint";
import { parseBlobUrl, requireBlobUrl } from "../../src/storage/urls";

describe("disk identity", () => {
  const a = requireBlobUrl("https://acct1.blob.core.windows.net/vhds/My%20Disk%20%231%3F.vhd");
  it("is readable, URL-safe, Table-key-safe and stable", () => {
    const id = diskIdOf(a);
    expect(id).toMatch(/^acct1-vhds-my-disk-1-vhd-[0-9a-f]{8}$/);
    expect(isDiskId(id)).toBe(true);
    expect(isTableKeySafe(id)).toBe(true);
    expect(encodeURIComponent(id)).toBe(id);
    expect(diskIdOf(requireBlobUrl(a.url))).toBe(id);
  });
  it("tells apart sources whose readable parts collide, and long names stay bounded", () => {
    const b = requireBlobUrl("https://acct1.blob.core.windows.net/vhds/my-disk-1.vhd");
    expect(diskIdOf(b)).not.toBe(diskIdOf(a));
    const long = requireBlobUrl(`http://127.0.0.1:10000/devstoreaccount1/cc1/${"x".repeat(500)}.vhd`);
    expect(diskIdOf(long).length).toBeLessThanOrEqual(90);
  });
  it("names backup blobs after account, container and blob", () => {
    const target = parseBlobUrl("http://127.0.0.1:10000/devbackupaccount/backups");
    if (!target.ok) throw new Error(target.error);
    const disk = diskOf(requireBlobUrl("http://127.0.0.1:10000/devstoreaccount1/vhds/a/b.vhd"), target.value);
    expect(backupBlobNameOf(disk.source)).toBe("devstoreaccount1/vhds/a/b.vhd");
    expect(disk.backup.url).toBe(
      "http://127.0.0.1:10000/devbackupaccount/backups/devstoreaccount1/vhds/a/b.vhd",
    );
  });
});

describe("restore point keys", () => {
  it("builds readable ids and RowKeys that sort newest first", () => {
    const older = {
      startedAt: "2025-01-01T00:00:00.000Z",
      restorePointId: restorePointIdOf("2025-01-01T00:00:00.000Z", "aa"),
    };
    const newer = {
      startedAt: "2025-06-01T12:30:00.000Z",
      restorePointId: restorePointIdOf("2025-06-01T12:30:00.000Z", "bb-cc"),
    };
    expect(newer.restorePointId).toBe("20250601T123000Z-bbcc");
    expect(rowKeyOf(newer) < rowKeyOf(older)).toBe(true);
    expect(isTableKeySafe(rowKeyOf(newer))).toBe(true);
  });
  it("rejects unsafe keys", () => {
    expect(isTableKeySafe("a/b")).toBe(false);
    expect(isTableKeySafe("a#b")).toBe(false);
    expect(isTableKeySafe("a\tb")).toBe(false);
    expect(() => rowKeyOf({ startedAt: "2025-01-01T00:00:00Z", restorePointId: "x?y" })).toThrow();
  });
});

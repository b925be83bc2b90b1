// Range math of managed-disk diffs (pure): the SDK's one-byte-short counts (the service's End is
// inclusive), bounded offset segments (the SDK's method cannot page), halving a segment whose answer is
// cut short, clipping and coalescing across segments; and the sizes and names around them.
import { describe, expect, it } from "vitest";
import { footerProblem } from "../../local/arm/vhd";
import { crossesFourTiB } from "../../src/backup/managedBegin";
import { backupSnapshotName, isComputeName, sasSecondsFor } from "../../src/compute/resourceIds";
import { chsOf, fixedVhdFooterOf, footerProblemOf } from "../../src/compute/vhd";
import { halves, querySegments, rangesFromSdk, type SegmentAnswer } from "../../src/copy/managedDiff";
import type { ByteRange } from "../../src/ranges";
import { defaultDiskNameOf } from "../../src/restore/diskTarget";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

describe("rangesFromSdk", () => {
  it("turns the SDK's count (end - start, the end inclusive) into lengths one byte longer", () => {
    expect(rangesFromSdk([{ offset: 0, count: 511 }])).toEqual([{ offset: 0, length: 512 }]);
    expect(rangesFromSdk([{ offset: 4096, count: 4 * MiB - 1 }])).toEqual([
      { offset: 4096, length: 4 * MiB },
    ]);
    expect(rangesFromSdk(undefined)).toEqual([]);
  });
});

describe("querySegments", () => {
  /** A fake service over a fixed list of changed ranges that cuts answers of segments above `maxAnswer`. */
  function service(changed: ByteRange[], maxAnswer = Number.POSITIVE_INFINITY) {
    const asked: ByteRange[] = [];
    const query = async (segment: ByteRange): Promise<SegmentAnswer> => {
      asked.push(segment);
      const end = segment.offset + segment.length;
      // Like the service, a range overlapping the segment is reported whole (the caller clips it).
      const hits = changed.filter((r) => r.offset < end && r.offset + r.length > segment.offset);
      return { changed: hits, cleared: [], truncated: segment.length > maxAnswer };
    };
    return { asked, query };
  }

  it("asks bounded segments in offset order and covers the disk exactly", async () => {
    const { asked, query } = service([]);
    const listing = await querySegments(64 * MiB + 512, 16 * MiB, 4 * MiB, query);
    expect(asked).toEqual([
      { offset: 0, length: 16 * MiB },
      { offset: 16 * MiB, length: 16 * MiB },
      { offset: 32 * MiB, length: 16 * MiB },
      { offset: 48 * MiB, length: 16 * MiB },
      { offset: 64 * MiB, length: 512 },
    ]);
    expect(listing.requests).toBe(5);
  });

  it("clips ranges to their segment and coalesces a range that spans two segments", async () => {
    const { query } = service([{ offset: 15 * MiB, length: 2 * MiB }]);
    const listing = await querySegments(32 * MiB, 16 * MiB, 4 * MiB, query);
    expect(listing.changed).toEqual([{ offset: 15 * MiB, length: 2 * MiB }]);
  });

  it("halves a segment whose answer is cut short, down to the answers the service gives whole", async () => {
    const changed = [
      { offset: 512, length: 512 },
      { offset: 9 * MiB, length: 4096 },
      { offset: 31 * MiB, length: MiB },
    ];
    const { asked, query } = service(changed, 8 * MiB);
    const listing = await querySegments(32 * MiB, 32 * MiB, MiB, query);
    expect(listing.changed).toEqual(changed);
    expect(listing.splits).toBe(3);
    expect(asked.map((s) => s.length / MiB)).toEqual([32, 16, 8, 8, 16, 8, 8]);
  });

  it("gives up when even the smallest segment is cut short", async () => {
    const { query } = service([], 0);
    await expect(querySegments(8 * MiB, 8 * MiB, 4 * MiB, query)).rejects.toThrow(
      /cut short even in the smallest segment/,
    );
  });

  it("splits at page boundaries, the first half the larger", () => {
    expect(halves({ offset: 1024, length: 3 * 512 })).toEqual([
      { offset: 1024, length: 1024 },
      { offset: 2048, length: 512 },
    ]);
  });
});

describe("sizes and names", () => {
  it("knows when a resize crosses 4 TiB (either side, the boundary itself below)", () => {
    expect(crossesFourTiB(GiB, 4096 * GiB)).toBe(false);
    expect(crossesFourTiB(4096 * GiB, 4097 * GiB)).toBe(true);
    expect(crossesFourTiB(5000 * GiB, 2 * GiB)).toBe(true);
    expect(crossesFourTiB(5000 * GiB, 4097 * GiB)).toBe(false);
  });

  it("names a run's snapshot and a restored disk within the service's 80 characters", () => {
    const id = "20250101T120000Z-1a2b3c4d";
    expect(backupSnapshotName("data1", id)).toBe(`bk-data1-${id}`);
    for (const name of ["a".repeat(80), `${"b".repeat(60)}.-x`, "x"]) {
      const snap = backupSnapshotName(name, id);
      const disk = defaultDiskNameOf(name, id);
      expect(snap.length).toBeLessThanOrEqual(80);
      expect(disk.length).toBeLessThanOrEqual(80);
      expect(isComputeName(snap) && isComputeName(disk)).toBe(true);
      expect(snap.endsWith(id) && disk.endsWith(`-restore-${id}`)).toBe(true);
    }
  });

  it("grants SAS for hours, not days", () => {
    expect(sasSecondsFor(GiB)).toBe(5 * 3600);
    expect(sasSecondsFor(1024 * GiB)).toBe(15 * 3600);
    expect(sasSecondsFor(32 * 1024 * GiB)).toBe(48 * 3600);
  });
});

describe("fixed-VHD footer", () => {
  it("is valid for the service's checks (the stand-in's own validator agrees), and deterministic", () => {
    const options = { createdAt: new Date("2025-01-01T00:00:00Z"), identity: "p1" };
    for (const size of [20 * MiB, GiB, 4097 * GiB]) {
      const footer = fixedVhdFooterOf(size, options);
      expect(footer.length).toBe(512);
      expect(footerProblemOf(footer, size)).toBeUndefined();
      expect(footerProblem(footer, size + 512)).toBeUndefined();
      expect(footer.equals(fixedVhdFooterOf(size, options))).toBe(true);
    }
    const other = fixedVhdFooterOf(GiB, { ...options, identity: "p2" });
    expect(other.equals(fixedVhdFooterOf(GiB, options))).toBe(false);
    const broken = Buffer.from(other);
    broken[100] = 1;
    expect(footerProblemOf(broken, GiB)).toBe("bad checksum");
    expect(footerProblemOf(other, 2 * GiB)).toMatch(/current size/);
    expect(() => fixedVhdFooterOf(1000, options)).toThrow(RangeError);
  });

  it("computes CHS geometry as the specification's algorithm does", () => {
    expect(chsOf(GiB)).toEqual({ cylinders: 2080, heads: 16, sectorsPerTrack: 63 });
    expect(chsOf(127 * GiB)).toEqual({ cylinders: 65278, heads: 16, sectorsPerTrack: 255 });
    expect(chsOf(4096 * GiB)).toEqual({ cylinders: 65535, heads: 16, sectorsPerTrack: 255 });
    expect(chsOf(20 * MiB)).toEqual({ cylinders: 602, heads: 4, sectorsPerTrack: 17 });
  });
});

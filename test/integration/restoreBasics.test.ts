// Restore against the storage emulator (in-process steps): every restore point of a disk that changed
// between windows (writes, clears, growth, shrink) restores byte for byte to a new disk; the lineage of
// the new disk starts with a `restored` point whose next backup is incremental and correct.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runRestoreDirect } from "../../src/direct/restore";
import type { RestorePoint } from "../../src/lineage/restorePoint";
import {
  backupNow,
  blobNameOf,
  contentOf,
  createHarness,
  diskFor,
  type Harness,
  MiB,
  writeRandom,
} from "./support/harness";

describe("restore (in-process steps against the emulator)", () => {
  let h: Harness;
  const expected = new Map<string, Buffer>();
  const points: RestorePoint[] = [];

  async function backupAndRemember(name: string): Promise<RestorePoint> {
    const content = await contentOf(h.sources.getPageBlobClient(name));
    const result = await backupNow(h, name);
    expect(result.status, result.restorePoint.reason ?? "").toBe("completed");
    expected.set(result.restorePoint.restorePointId, content);
    points.push(result.restorePoint);
    return result.restorePoint;
  }

  beforeAll(async () => {
    h = await createHarness("restore");
    const blob = h.sources.getPageBlobClient("disk.vhd");
    await blob.create(16 * MiB);
    await writeRandom(blob, 0, 2 * MiB);
    await writeRandom(blob, 9 * MiB, 5 * MiB + 512);
    await backupAndRemember("disk.vhd");
    await writeRandom(blob, MiB, 4096);
    await blob.clearPages(10 * MiB, 2 * MiB);
    await backupAndRemember("disk.vhd");
    await blob.resize(24 * MiB);
    await writeRandom(blob, 20 * MiB, 3 * MiB);
    await backupAndRemember("disk.vhd");
    await blob.resize(12 * MiB);
    await writeRandom(blob, 0, 512);
    await backupAndRemember("disk.vhd");
  });
  afterAll(async () => h?.cleanup());

  it("restores every restore point byte for byte to a new disk next to the source", async () => {
    const disk = diskFor(h, "disk.vhd");
    expect(points.map((p) => p.kind)).toEqual(["full", "incremental", "incremental", "incremental"]);
    for (const point of points) {
      await h.emu.control.resetStats(h.sourcePrefix);
      const out = await runRestoreDirect(
        h.ctx,
        {
          diskId: disk.id,
          restorePointId: point.restorePointId,
          targetUrl: defaultUrl(point),
          overwrite: false,
        },
        `run-${point.restorePointId}`,
      );
      const name = blobNameOf(out.restoredDiskUrl);
      expect(name).toBe(`disk-restore-${point.restorePointId}.vhd`);
      const restored = await contentOf(h.sources.getPageBlobClient(name));
      const want = expected.get(point.restorePointId)!;
      expect(restored.length).toBe(want.length);
      expect(restored.equals(want)).toBe(true);
      expect(out.verification).toMatchObject({ verified: true });
      expect(out.verification.bytesCompared).toBeGreaterThanOrEqual(point.changedBytes > 0 ? 512 : 0);
      // Sparse: the target receives exactly the restore point's allocated bytes, copied server side range
      // by range with Put Page From URL (no copy of the whole blob, nothing relayed through the function).
      const stats = await h.emu.control.getStats(h.sourcePrefix);
      expect(stats.operations.putPage?.requests ?? 0).toBe(0);
      expect(stats.operations.copyBlob?.requests ?? 0).toBe(0);
      const backupRanges = await h.backups
        .getPageBlobClient(blobNameOf(point.backupUrl))
        .withSnapshot(point.backupSnapshot)
        .getPageRanges(0, point.diskSizeBytes);
      const allocated = (backupRanges.pageRange ?? []).reduce((s, r) => s + (r.count ?? 0) + 1, 0);
      expect(stats.operations.putPageFromUrl?.bytesIn ?? 0).toBe(allocated);

      const chain = await h.ctx.lineage.list(out.diskId);
      expect(chain).toHaveLength(1);
      expect(chain[0]).toMatchObject({
        restorePointId: out.restorePointId,
        kind: "restored",
        status: "completed",
        parentRestorePointId: point.restorePointId,
        sourceUrl: out.restoredDiskUrl,
        backupUrl: out.backupUrl,
        backupSnapshot: out.backupSnapshot,
        sourceSnapshot: out.sourceSnapshot,
        diskSizeBytes: want.length,
      });
      // The promoted base blob's snapshot holds the same bytes.
      const promoted = await contentOf(
        h.backups.getPageBlobClient(blobNameOf(out.backupUrl)).withSnapshot(out.backupSnapshot),
      );
      expect(promoted.equals(want)).toBe(true);
    }
  });

  it("continues the backup chain of a restored disk incrementally", async () => {
    const disk = diskFor(h, "disk.vhd");
    const point = points[1]!;
    const targetUrl = `${h.ctx.settings.sources[0]!.url}/continued.vhd`;
    const out = await runRestoreDirect(
      h.ctx,
      { diskId: disk.id, restorePointId: point.restorePointId, targetUrl, overwrite: false },
      "run-continue",
    );
    const blob = h.sources.getPageBlobClient("continued.vhd");
    await writeRandom(blob, 3 * MiB, 8192);
    await blob.clearPages(0, 512);
    const want = await contentOf(blob);
    await h.emu.control.resetStats(h.backupPrefix);
    const next = await backupNow(h, "continued.vhd");
    expect(next.status, next.restorePoint.reason ?? "").toBe("completed");
    expect(next.restorePoint).toMatchObject({
      kind: "incremental",
      parentRestorePointId: out.restorePointId,
      backupUrl: out.backupUrl,
      changedBytes: 8192,
      clearedBytes: 512,
    });
    const stats = await h.emu.control.getStats(h.backupPrefix);
    expect(stats.operations.putPageFromUrl?.bytesIn).toBe(8192);
    const backedUp = await contentOf(
      h.backups
        .getPageBlobClient(blobNameOf(next.restorePoint.backupUrl))
        .withSnapshot(next.restorePoint.backupSnapshot),
    );
    expect(backedUp.equals(want)).toBe(true);
    // and that point restores too
    const again = await runRestoreDirect(
      h.ctx,
      {
        diskId: out.diskId,
        restorePointId: next.restorePoint.restorePointId,
        targetUrl: `${h.ctx.settings.sources[0]!.url}/continued-2.vhd`,
        overwrite: false,
      },
      "run-continue-2",
    );
    expect(
      (await contentOf(h.sources.getPageBlobClient(blobNameOf(again.restoredDiskUrl)))).equals(want),
    ).toBe(true);
  });

  function defaultUrl(point: RestorePoint): string {
    return `${h.ctx.settings.sources[0]!.url}/disk-restore-${point.restorePointId}.vhd`;
  }
});

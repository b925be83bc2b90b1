// Full then incremental backups against the storage emulator: only changed bytes move (emulator
// counters), every restore point equals its source snapshot byte for byte, clears/growth/shrink work.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  backupNow,
  contentOf,
  createHarness,
  expectSameBytes,
  type Harness,
  MiB,
  writeRandom,
} from "./support/harness";

describe("disk backup (in-process steps against the emulator)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness("basics");
  });
  afterAll(async () => h?.cleanup());

  it("copies a sparse full backup, then only the changed bytes", async () => {
    const blob = h.sources.getPageBlobClient("disk1.vhd");
    await blob.create(64 * MiB);
    await writeRandom(blob, 0, 3 * MiB);
    await writeRandom(blob, 20 * MiB, 5 * MiB + 512);
    await writeRandom(blob, 63 * MiB, MiB);

    await h.emu.control.resetStats(h.backupPrefix);
    const first = await backupNow(h, "disk1.vhd");
    expect(first.status, first.restorePoint.reason ?? "").toBe("completed");
    const rp1 = first.restorePoint;
    expect(rp1).toMatchObject({
      kind: "full",
      status: "completed",
      changedBytes: 9 * MiB + 512,
      diskSizeBytes: 64 * MiB,
    });
    expect(rp1.reason).toMatch(/first backup/);
    const stats1 = await h.emu.control.getStats(h.backupPrefix);
    expect(stats1.operations.putPageFromUrl?.bytesIn).toBe(9 * MiB + 512);
    expect(stats1.operations.putPage?.requests ?? 0).toBe(0);
    const same1 = await expectSameBytes(h, "disk1.vhd", rp1);
    expect(same1.backup.equals(same1.source)).toBe(true);

    // change some pages, clear some
    await writeRandom(blob, 1 * MiB, 512 * 3);
    await writeRandom(blob, 40 * MiB, 2 * MiB);
    await blob.clearPages(21 * MiB, MiB);
    await h.emu.control.resetStats(h.backupPrefix);
    await h.emu.control.resetStats(h.sourcePrefix);
    const second = await backupNow(h, "disk1.vhd");
    expect(second.status, second.restorePoint.reason ?? "").toBe("completed");
    const rp2 = second.restorePoint;
    expect(rp2).toMatchObject({ kind: "incremental", parentRestorePointId: rp1.restorePointId });
    expect(rp2.changedBytes).toBe(1536 + 2 * MiB);
    expect(rp2.clearedBytes).toBe(MiB);
    const stats2 = await h.emu.control.getStats(h.backupPrefix);
    expect(stats2.operations.putPageFromUrl?.bytesIn).toBe(1536 + 2 * MiB);
    expect(stats2.operations.clearPages?.requests).toBe(1);
    // The source snapshot is looked up once it is taken, and that listing also gives its size, the diff
    // base's existence and the older snapshots to prune: no properties asked, no second listing.
    const onSource = (await h.emu.control.getStats(h.sourcePrefix)).operations;
    expect([
      onSource.getProperties?.requests ?? 0,
      onSource.other?.requests,
      onSource.createSnapshot?.requests,
    ]).toEqual([0, 1, 1]);
    // The backup blob is known to exist: an incremental asks for its lease, not for a create refused with 409.
    const onBackupBlob = await h.emu.control.getStats(new URL(rp2.backupUrl).pathname);
    expect(onBackupBlob.operations.createBlob?.requests ?? 0).toBe(0);
    // Its properties are read once, by the chain check (and the previous point's snapshot once): the plan
    // finds it unchanged by the lease's ETag, the completion stamps from the metadata the plan wrote.
    expect(onBackupBlob.operations.getProperties?.requests).toBe(2);
    const same2 = await expectSameBytes(h, "disk1.vhd", rp2);
    expect(same2.backup.equals(same2.source)).toBe(true);

    // the previous source snapshot is gone, the current one kept; restore point 1 still intact
    const snaps: string[] = [];
    for await (const b of h.sources.listBlobsFlat({ includeSnapshots: true }))
      if (b.snapshot) snaps.push(b.snapshot);
    expect(snaps).toEqual([rp2.sourceSnapshot]);
    const old = await contentOf(
      h.backups
        .getPageBlobClient(new URL(rp1.backupUrl).pathname.split("/").slice(3).join("/"))
        .withSnapshot(rp1.backupSnapshot),
    );
    expect(old.equals(same1.source)).toBe(true);

    const points = await h.ctx.lineage.list(rp1.diskId);
    expect(points.map((p) => p.restorePointId)).toEqual([rp2.restorePointId, rp1.restorePointId]);
  });

  it("follows growth and shrink of the source", async () => {
    const blob = h.sources.getPageBlobClient("disk2.vhd");
    await blob.create(8 * MiB);
    await writeRandom(blob, 0, 8 * MiB);
    expect((await backupNow(h, "disk2.vhd")).status).toBe("completed");

    await blob.resize(16 * MiB);
    await writeRandom(blob, 12 * MiB, MiB);
    const grown = await backupNow(h, "disk2.vhd");
    expect(grown.status, grown.restorePoint.reason ?? "").toBe("completed");
    expect(grown.restorePoint).toMatchObject({ kind: "incremental", diskSizeBytes: 16 * MiB });
    const g = await expectSameBytes(h, "disk2.vhd", grown.restorePoint);
    expect(g.backup.length).toBe(16 * MiB);
    expect(g.backup.equals(g.source)).toBe(true);

    await blob.resize(4 * MiB);
    const shrunk = await backupNow(h, "disk2.vhd");
    expect(shrunk.status, shrunk.restorePoint.reason ?? "").toBe("completed");
    expect(shrunk.restorePoint.diskSizeBytes).toBe(4 * MiB);
    const s = await expectSameBytes(h, "disk2.vhd", shrunk.restorePoint);
    expect(s.backup.length).toBe(4 * MiB);
    expect(s.backup.equals(s.source)).toBe(true);

    await blob.resize(10 * MiB);
    await writeRandom(blob, 9 * MiB, 512);
    const regrown = await backupNow(h, "disk2.vhd");
    expect(regrown.status, regrown.restorePoint.reason ?? "").toBe("completed");
    const r = await expectSameBytes(h, "disk2.vhd", regrown.restorePoint);
    expect(r.backup.equals(r.source)).toBe(true);
  });
});

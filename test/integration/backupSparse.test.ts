// A sparse 1 TiB provisioned disk with scattered writes: planning and copying follow the written bytes,
// not the provisioned size (a handful of listing requests, no reads of empty space).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seededRandom } from "../support/random";
import { backupNow, createHarness, type Harness, MiB, writeRandom } from "./support/harness";

const TiB = 1024 ** 4;

describe("sparse 1 TiB disk", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness("sparse");
  });
  afterAll(async () => h?.cleanup());

  it("backs up scattered writes on a 1 TiB disk, full then incremental", async () => {
    const { rand, seed } = seededRandom();
    console.log(`sparse seed ${seed}`);
    const blob = h.sources.getPageBlobClient("huge.vhd");
    await blob.create(TiB);
    const writes = new Map<number, Buffer>();
    const offsetAt = () => Math.floor(rand() * (TiB / MiB - 1)) * MiB;
    for (let i = 0; i < 24; i++) {
      const offset = offsetAt();
      writes.set(offset, await writeRandom(blob, offset, 256 * 1024));
    }
    await h.emu.control.resetStats(h.backupPrefix);
    await h.emu.control.resetStats(h.sourcePrefix);
    const rssBefore = process.memoryUsage().rss;
    const full = await backupNow(h, "huge.vhd");
    expect(full.status, full.restorePoint.reason ?? "").toBe("completed");
    expect(full.restorePoint).toMatchObject({
      kind: "full",
      diskSizeBytes: TiB,
      changedBytes: writes.size * 256 * 1024,
    });
    // One listing request for the whole TiB (segments only split a listing that times out), whatever
    // was written.
    expect(full.plan?.listRequests).toBe(1);
    const stats = await h.emu.control.getStats(h.backupPrefix);
    expect(stats.operations.putPageFromUrl?.bytesIn).toBe(writes.size * 256 * 1024);
    // The copy reads no disk bytes through the app: the only reads are the rolling verification's.
    const sourceStats = await h.emu.control.getStats(h.sourcePrefix);
    const verified = full.after?.verification.record?.bytesCompared;
    expect(verified).toBeGreaterThan(0);
    expect(sourceStats.operations.getBlob?.bytesOut ?? 0).toBe(verified);

    const changed = [...writes.keys()].slice(0, 5);
    for (const offset of changed) writes.set(offset, await writeRandom(blob, offset, 256 * 1024));
    const fresh = offsetAt();
    writes.set(fresh, await writeRandom(blob, fresh, 64 * 1024));
    await h.emu.control.resetStats(h.backupPrefix);
    const incr = await backupNow(h, "huge.vhd");
    expect(incr.status, incr.restorePoint.reason ?? "").toBe("completed");
    expect(incr.restorePoint).toMatchObject({
      kind: "incremental",
      changedBytes: 5 * 256 * 1024 + 64 * 1024,
    });
    expect((await h.emu.control.getStats(h.backupPrefix)).operations.putPageFromUrl?.bytesIn).toBe(
      5 * 256 * 1024 + 64 * 1024,
    );
    console.log(
      `rss growth during the 1 TiB backups: ${Math.round((process.memoryUsage().rss - rssBefore) / MiB)} MiB`,
    );

    const backupName = decodeURIComponent(
      new URL(incr.restorePoint.backupUrl).pathname.split("/").slice(3).join("/"),
    );
    const snapshot = h.backups.getPageBlobClient(backupName).withSnapshot(incr.restorePoint.backupSnapshot);
    for (const [offset, data] of writes) {
      const got = await snapshot.downloadToBuffer(offset, data.length);
      expect(got.equals(data), `bytes at ${offset}`).toBe(true);
    }
    const ranges: number[] = [];
    for await (const page of snapshot.listPageRanges().byPage()) {
      for (const r of page.pageRange ?? []) ranges.push(r.end - r.start + 1);
    }
    expect(ranges.reduce((a, b) => a + b, 0)).toBe([...writes.values()].reduce((a, b) => a + b.length, 0));
  });
});

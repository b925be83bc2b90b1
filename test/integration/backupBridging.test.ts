// Scattered small changes with gap bridging, randomized: random 4 KiB writes (and some clears) inside a few
// allocated extents, backed up window after window with small unchanged gaps bridged. Every restore point
// must equal its source snapshot byte for byte, the backup must never gain pages the source does not have
// (gaps outside the allocation are not bridged), and bridging must actually save write requests.
// Seed printed; TEST_SEED replays.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { coalesce } from "../../src/ranges";
import { seededRandom } from "../support/random";
import { backupNow, blobNameOf, createHarness, expectSameBytes, type Harness, MiB } from "./support/harness";

const PAGE = 512;
const KiB = 1024;
const WINDOWS = 6;

async function allocated(blob: ReturnType<Harness["backups"]["getPageBlobClient"]>, size: number) {
  const ranges = await blob.getPageRanges(0, size);
  return (ranges.pageRange ?? []).map((r) => [r.offset, r.offset + (r.count ?? 0) + 1]);
}

describe("gap bridging (randomized, in-process against the emulator)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness("bridge", { bridgeGapBytes: 32 * KiB });
  });
  afterAll(async () => h?.cleanup());

  it(`backs up ${WINDOWS} windows of scattered 4 KiB changes byte for byte, in fewer requests`, async () => {
    const { rand, seed } = seededRandom();
    console.log(`bridging seed ${seed} (replay with TEST_SEED=${seed})`);
    const name = "scattered.vhd";
    const size = 16 * MiB;
    const blob = h.sources.getPageBlobClient(name);
    await blob.create(size);
    // Three allocated extents with holes between them: bridging must stop at the holes.
    const extents = [
      [0, 2 * MiB],
      [5 * MiB, 6 * MiB],
      [9 * MiB, 12 * MiB],
    ] as const;
    const fill = (length: number) => {
      const data = Buffer.alloc(length);
      for (let j = 0; j < length; j += 4) data.writeUInt32LE(Math.floor(rand() * 2 ** 32), j);
      return data;
    };
    for (const [start, end] of extents) {
      for (let o = start; o < end; o += 4 * MiB) {
        const n = Math.min(4 * MiB, end - o);
        await blob.uploadPages(fill(n), o, n);
      }
    }
    const first = await backupNow(h, name);
    expect(first.status, first.restorePoint.reason ?? "").toBe("completed");
    let saved = 0;
    let bridged = 0;
    for (let w = 0; w < WINDOWS; w++) {
      const writes = new Set<number>();
      for (let i = 0, n = 20 + Math.floor(rand() * 60); i < n; i++) {
        const [start, end] = extents[Math.floor(rand() * extents.length)]!;
        const offset = start + Math.floor(rand() * ((end - start - 4 * KiB) / PAGE)) * PAGE;
        writes.add(offset);
        await blob.uploadPages(fill(4 * KiB), offset, 4 * KiB);
      }
      if (rand() < 0.5) {
        // A clear inside an extent: a hole bridging must not cross (and a ClearRange to apply).
        const [start] = extents[2];
        const offset = start + Math.floor(rand() * 64) * 16 * KiB;
        await blob.clearPages(offset, 8 * KiB);
      }
      await h.emu.control.resetStats(h.backupPrefix);
      const result = await backupNow(h, name);
      const context = `window ${w}, seed ${seed}`;
      expect(result.status, context).toBe("completed");
      const point = result.restorePoint;
      const { source, backup } = await expectSameBytes(h, name, point);
      expect(backup.equals(source), context).toBe(true);
      const backupBlob = h.backups.getPageBlobClient(blobNameOf(point.backupUrl));
      const sourceRanges = await allocated(blob.withSnapshot(point.sourceSnapshot), size);
      const backupRanges = await allocated(backupBlob.withSnapshot(point.backupSnapshot), size);
      expect(backupRanges, context).toEqual(sourceRanges);
      const stats = await h.emu.control.getStats(h.backupPrefix);
      const requests = stats.operations.putPageFromUrl?.requests ?? 0;
      const written = stats.operations.putPageFromUrl?.bytesIn ?? 0;
      saved += coalesce([...writes].map((offset) => ({ offset, length: 4 * KiB }))).length - requests;
      bridged += written - point.changedBytes;
      expect(written, context).toBeGreaterThanOrEqual(point.changedBytes);
    }
    // With dozens of 4 KiB writes in a few MiB, many gaps are under 32 KiB: some must have been bridged.
    expect(bridged).toBeGreaterThan(0);
    expect(saved).toBeGreaterThan(0);
  });
});

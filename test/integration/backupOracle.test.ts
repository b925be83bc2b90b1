// Randomized oracle: backup windows of random writes, clears and resizes on several disks. After every
// window each restore point must equal an in-memory model of its disk at that time, and at the end every
// restore point still does (later runs never disturb earlier points). Seed printed; TEST_SEED replays.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RestorePoint } from "../../src/lineage/restorePoint";
import { seededRandom } from "../support/random";
import { backupNow, contentOf, createHarness, type Harness, MiB } from "./support/harness";

const PAGE = 512;
const WINDOWS = 20;
const DISKS = 3;

interface ModelDisk {
  name: string;
  bytes: Buffer;
}

describe("randomized backup oracle", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness("oracle", { minBatchBytes: 256 * 1024, maxBatches: 8, maxClearsPerBatch: 4 });
  });
  afterAll(async () => h?.cleanup());

  it(`keeps every restore point byte-identical to its source over ${WINDOWS} windows`, async () => {
    const { rand, seed } = seededRandom();
    console.log(`oracle seed ${seed} (replay with TEST_SEED=${seed})`);
    const pages = (max: number) => 1 + Math.floor(rand() * max);
    const disks: ModelDisk[] = Array.from({ length: DISKS }, (_, i) => ({
      name: `oracle-${i}.vhd`,
      bytes: Buffer.alloc((1 + Math.floor(rand() * 4)) * MiB),
    }));
    for (const d of disks) await h.sources.getPageBlobClient(d.name).create(d.bytes.length);

    async function mutate(d: ModelDisk): Promise<string[]> {
      const blob = h.sources.getPageBlobClient(d.name);
      const ops: string[] = [];
      const count = Math.floor(rand() * 6);
      for (let i = 0; i < count; i++) {
        const size = d.bytes.length;
        const roll = rand();
        if (roll < 0.1) {
          const newSize = (1 + Math.floor(rand() * 4)) * MiB + PAGE * Math.floor(rand() * 4);
          await blob.resize(newSize);
          const next = Buffer.alloc(newSize);
          d.bytes.copy(next, 0, 0, Math.min(size, newSize));
          d.bytes = next;
          ops.push(`resize ${newSize}`);
          continue;
        }
        const offset = Math.floor(rand() * (size / PAGE)) * PAGE;
        const length = Math.min(size - offset, pages(roll < 0.7 ? 300 : 4000) * PAGE);
        if (roll < 0.7) {
          const data = Buffer.alloc(length);
          for (let j = 0; j < length; j += 4) data.writeUInt32LE(Math.floor(rand() * 2 ** 32), j);
          for (let o = 0; o < length; o += 4 * MiB) {
            const n = Math.min(4 * MiB, length - o);
            await blob.uploadPages(data.subarray(o, o + n), offset + o, n);
          }
          data.copy(d.bytes, offset);
          ops.push(`write ${offset}+${length}`);
        } else {
          await blob.clearPages(offset, length);
          d.bytes.fill(0, offset, offset + length);
          ops.push(`clear ${offset}+${length}`);
        }
      }
      return ops;
    }

    const history: Array<{ disk: ModelDisk; point: RestorePoint; expected: Buffer }> = [];
    for (let w = 0; w < WINDOWS; w++) {
      for (const d of disks) {
        const ops = await mutate(d);
        if (ops.length > 0) h.logs.push(`window ${w} ${d.name}: ${ops.join(", ")}`);
      }
      const runs = await Promise.all(disks.map((d) => backupNow(h, d.name)));
      for (const [i, run] of runs.entries()) {
        const d = disks[i]!;
        expect(run.status, `window ${w} ${d.name}: ${run.restorePoint.reason}`).toBe("completed");
        expect(run.restorePoint.kind).toBe(w === 0 ? "full" : "incremental");
        const backupName = decodeURIComponent(
          new URL(run.restorePoint.backupUrl).pathname.split("/").slice(3).join("/"),
        );
        const got = await contentOf(
          h.backups.getPageBlobClient(backupName).withSnapshot(run.restorePoint.backupSnapshot),
        );
        if (!got.equals(d.bytes)) console.log(h.logs.filter((l) => l.includes(d.name)).join("\n"));
        expect(got.length, `window ${w} ${d.name} size`).toBe(d.bytes.length);
        expect(got.equals(d.bytes), `window ${w} ${d.name} bytes (seed ${seed})`).toBe(true);
        history.push({ disk: d, point: run.restorePoint, expected: Buffer.from(d.bytes) });
      }
    }
    for (const { disk, point, expected } of history) {
      const backupName = decodeURIComponent(new URL(point.backupUrl).pathname.split("/").slice(3).join("/"));
      const got = await contentOf(h.backups.getPageBlobClient(backupName).withSnapshot(point.backupSnapshot));
      expect(got.equals(expected), `${disk.name} ${point.restorePointId} (seed ${seed})`).toBe(true);
    }
    const points = await h.ctx.lineage.list(history[0]!.point.diskId);
    expect(points).toHaveLength(WINDOWS);
  });
});

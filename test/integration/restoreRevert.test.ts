// Revert by diff, randomized: a disk backed up over windows of random writes and clears, changed again
// without a backup, then restored in place to a random earlier point of its own chain. The disk must equal
// that point byte for byte, only the pages touched since it (in the chain and on the disk) may be written,
// the safety point must hold the disk as it was, and the chain goes on incrementally in the same backup
// blob. Seed printed; TEST_SEED replays. The edge cases are in revertEdges.test.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runRestoreDirect } from "../../src/direct/restore";
import type { RestorePoint } from "../../src/lineage/restorePoint";
import { REVERT_VERIFY_METHOD } from "../../src/restore/verify";
import { seededRandom } from "../support/random";
import {
  backupNow,
  blobNameOf,
  contentOf,
  createHarness,
  diskFor,
  type Harness,
  MiB,
  REVERT_TUNING,
} from "./support/harness";

const PAGE = 512;
const SIZE = 4 * MiB;
const ROUNDS = 4;

describe("revert by diff (randomized, in-process against the emulator)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness("revert", REVERT_TUNING);
  });
  afterAll(async () => h?.cleanup());

  it(`restores ${ROUNDS} random earlier points in place, writing only what differs`, async () => {
    const { rand, seed } = seededRandom();
    console.log(`revert seed ${seed} (replay with TEST_SEED=${seed})`);
    const name = "revert.vhd";
    const blob = h.sources.getPageBlobClient(name);
    await blob.create(SIZE);
    const model = Buffer.alloc(SIZE);
    const disk = diskFor(h, name);
    // Per restore point: the disk's bytes, and the pages touched in each window (to bound what a revert writes).
    const points: Array<{ point: RestorePoint; bytes: Buffer }> = [];
    const touchedAfter: Set<number>[] = [];
    let touched = new Set<number>();

    async function mutate(): Promise<void> {
      const count = 1 + Math.floor(rand() * 5);
      for (let i = 0; i < count; i++) {
        const offset = Math.floor(rand() * (SIZE / PAGE)) * PAGE;
        const length = Math.min(SIZE - offset, (1 + Math.floor(rand() * (rand() < 0.8 ? 64 : 2048))) * PAGE);
        for (let p = offset; p < offset + length; p += PAGE) touched.add(p);
        if (rand() < 0.75) {
          const data = Buffer.alloc(length);
          for (let j = 0; j < length; j += 4) data.writeUInt32LE(Math.floor(rand() * 2 ** 32), j);
          for (let o = 0; o < length; o += 4 * MiB) {
            const n = Math.min(4 * MiB, length - o);
            await blob.uploadPages(data.subarray(o, o + n), offset + o, n);
          }
          data.copy(model, offset);
        } else {
          await blob.clearPages(offset, length);
          model.fill(0, offset, offset + length);
        }
      }
    }
    async function backUp(): Promise<void> {
      const result = await backupNow(h, name);
      expect(result.status, result.restorePoint.reason ?? "").toBe("completed");
      for (const set of touchedAfter) for (const p of touched) set.add(p);
      touched = new Set();
      points.push({ point: result.restorePoint, bytes: Buffer.from(model) });
      touchedAfter.push(new Set());
    }

    await mutate();
    await backUp();
    for (let round = 0; round < ROUNDS; round++) {
      for (let w = 0, windows = 1 + Math.floor(rand() * 3); w < windows; w++) {
        await mutate();
        await backUp();
      }
      // Changes the chain has not seen yet: the safety point must keep them.
      await mutate();
      const beforeRevert = Buffer.from(model);
      const pick = Math.floor(rand() * points.length);
      const chosen = points[pick]!;
      const mayWrite = new Set([...touchedAfter[pick]!, ...touched]);
      await h.emu.control.resetStats(`${h.sourcePrefix}/${name}`);
      const out = await runRestoreDirect(
        h.ctx,
        {
          diskId: disk.id,
          restorePointId: chosen.point.restorePointId,
          targetUrl: disk.source.url,
          overwrite: true,
        },
        `revert-${round}`,
      );
      const context = `round ${round}: point ${pick} of ${points.length}, seed ${seed}`;
      expect(out.verification.method, context).toBe(REVERT_VERIFY_METHOD);
      expect((await contentOf(blob)).equals(chosen.bytes), context).toBe(true);
      // Only pages touched since the point (in later windows or unbacked) were written to the disk.
      const stats = await h.emu.control.getStats(`${h.sourcePrefix}/${name}`);
      expect(stats.operations.putPage?.bytesIn ?? 0, context).toBeLessThanOrEqual(mayWrite.size * PAGE);
      expect(stats.operations.putPageFromUrl?.requests ?? 0, context).toBe(0);
      // The chain stays in its backup blob, which now holds the point again; the safety point holds the
      // disk as it was, and the restored point is the chain's newest.
      const chain = await h.ctx.lineage.list(disk.id, { status: "completed" });
      const [restored, safety] = chain;
      expect(restored, context).toMatchObject({
        restorePointId: out.restorePointId,
        kind: "restored",
        parentRestorePointId: chosen.point.restorePointId,
        backupUrl: chosen.point.backupUrl,
      });
      expect(safety, context).toMatchObject({
        restorePointId: out.safetyRestorePointId,
        kind: "incremental",
        backupUrl: chosen.point.backupUrl,
      });
      const backupBlob = h.backups.getPageBlobClient(blobNameOf(out.backupUrl));
      expect(
        (await contentOf(backupBlob.withSnapshot(out.backupSnapshot))).equals(chosen.bytes),
        context,
      ).toBe(true);
      expect(
        (await contentOf(backupBlob.withSnapshot(safety!.backupSnapshot))).equals(beforeRevert),
        context,
      ).toBe(true);
      // The model follows the disk: the revert is a change of the disk like any other.
      chosen.bytes.copy(model);
      for (const set of touchedAfter) for (const p of mayWrite) set.add(p);
      touched = new Set();
      points.push({ point: restored!, bytes: Buffer.from(model) });
      touchedAfter.push(new Set());
      // The next backup continues the chain incrementally, and a later revert may pick any of these points.
      await mutate();
      const next = await backupNow(h, name);
      expect(next.restorePoint, context).toMatchObject({
        kind: "incremental",
        parentRestorePointId: out.restorePointId,
        backupUrl: chosen.point.backupUrl,
      });
      expect(
        (await contentOf(backupBlob.withSnapshot(next.restorePoint.backupSnapshot))).equals(model),
        context,
      ).toBe(true);
      for (const set of touchedAfter) for (const p of touched) set.add(p);
      touched = new Set();
      points.push({ point: next.restorePoint, bytes: Buffer.from(model) });
      touchedAfter.push(new Set());
    }
  });
});

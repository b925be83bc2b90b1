// A small change's only batch travels inline in the plan (nothing in the run store: a write, a read and a
// delete fewer per disk), a larger one through the run store as before; both back up byte for byte, and
// an inline batch copied twice (a retried step) or resumed from its checkpoint gives the same point.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { beginDiskBackup } from "../../src/backup/begin";
import { completeDiskBackup } from "../../src/backup/complete";
import { copyBackupBatch } from "../../src/backup/copyBatch";
import { planDiskBackup } from "../../src/backup/plan";
import { copyBatchInputs } from "../../src/backup/types";
import { MAX_INLINE_RANGES, RUNS_PREFIX, saveCheckpoint } from "../../src/copy/runStore";
import { restorePointIdOf } from "../../src/lineage/restorePoint";
import { seededRandom } from "../support/random";
import {
  backupNow,
  createHarness,
  diskFor,
  expectSameBytes,
  type Harness,
  MiB,
  writeRandom,
} from "./support/harness";

describe("inline batches (against the emulator)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness("inline");
  });
  afterAll(async () => h?.cleanup());

  async function runStoreNames(diskId: string): Promise<string[]> {
    const names: string[] = [];
    for await (const b of h.backups.listBlobsFlat({ prefix: `${RUNS_PREFIX}${diskId}/` })) names.push(b.name);
    return names;
  }

  /** A disk with a first backup, then `pages` random 4 KiB pages changed 512 KiB apart (no bridging). */
  async function changedDisk(name: string, pages: number, seed?: number) {
    const blob = h.sources.getPageBlobClient(name);
    await blob.create(64 * MiB);
    await writeRandom(blob, 0, MiB);
    expect((await backupNow(h, name)).status).toBe("completed");
    const random = seededRandom(seed);
    console.log(`${name}: seed ${random.seed}`);
    for (let i = 0; i < pages; i++)
      await writeRandom(blob, i * 512 * 1024 + Math.floor(random.rand() * 64) * 4096, 4096);
    const d = diskFor(h, name);
    const startedAt = new Date().toISOString();
    const ref = { diskId: d.id, sourceUrl: d.source.url, runId: name, startedAt };
    const run = await beginDiskBackup(h.ctx, {
      ...ref,
      restorePointId: restorePointIdOf(startedAt, "1a2b3c4d"),
    });
    expect(run.mode).toBe("incremental");
    return { run, diskId: d.id };
  }

  it("keeps a small change's batch out of the run store and backs it up exactly, twice over", async () => {
    const { run, diskId } = await changedDisk("small.vhd", 20);
    const plan = await planDiskBackup(h.ctx, run);
    expect(plan.batchBytes).toEqual([20 * 4096]);
    expect(plan.inlineBatches?.[0]?.writes).toHaveLength(20);
    expect(await runStoreNames(diskId)).toEqual([]);
    const [input, ...more] = copyBatchInputs(run, plan);
    expect(more).toEqual([]);
    if (!input) throw new Error("no copy step");
    expect(input.ranges).toEqual(plan.inlineBatches?.[0]);
    // A retried step copies the same bytes again; a step resumed from a checkpoint skips what it did.
    expect((await copyBackupBatch(h.ctx, input)).operationsDone).toBe(20);
    await saveCheckpoint(h.backups, diskId, run.restorePointId, 0, 15);
    const resumed = await copyBackupBatch(h.ctx, input);
    expect(resumed).toMatchObject({ done: true, operationsTotal: 20 });
    expect(await runStoreNames(diskId)).toHaveLength(1); // the checkpoint, until the run completes
    const point = await completeDiskBackup(h.ctx, { run, plan });
    expect(point).toMatchObject({ kind: "incremental", changedBytes: 20 * 4096 });
    const bytes = await expectSameBytes(h, "small.vhd", point);
    expect(bytes.backup.equals(bytes.source)).toBe(true);
    expect(await runStoreNames(diskId)).toEqual([]);
  });

  it("stores a change of more ranges than travel inline in the run store, and backs it up exactly", async () => {
    const pages = MAX_INLINE_RANGES + 1;
    const { run, diskId } = await changedDisk("wide.vhd", pages);
    const plan = await planDiskBackup(h.ctx, run);
    expect(plan.inlineBatches).toBeUndefined();
    expect(plan.batchBytes.reduce((s, b) => s + b, 0)).toBe(pages * 4096);
    expect((await runStoreNames(diskId)).filter((n) => n.endsWith("batch-00000.json"))).toHaveLength(1);
    for (const input of copyBatchInputs(run, plan)) {
      expect(input.ranges).toBeUndefined();
      await copyBackupBatch(h.ctx, input);
    }
    const point = await completeDiskBackup(h.ctx, { run, plan });
    const bytes = await expectSameBytes(h, "wide.vhd", point);
    expect(bytes.backup.equals(bytes.source)).toBe(true);
    expect(await runStoreNames(diskId)).toEqual([]);
  });
});

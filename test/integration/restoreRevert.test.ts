// Revert by diff, randomized: a disk backed up over windows of random writes and clears, changed again
// without a backup, then restored in place to a random earlier point of its own chain. The disk must equal
// that point byte for byte, only the pages touched since it (in the chain and on the disk) may be written,
// the safety point must hold the disk as it was, and the chain goes on incrementally in the same backup
// blob. Seed printed; TEST_SEED replays. Beside it, the edges: the chain held only at its newest point,
// a small revert's digests handed to its verification inline, a chain that cannot be diffed (copied in
// full), and a resized disk (copied in full).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BatchResult } from "../../src/copy/batches";
import { relayOperations, sha256 } from "../../src/copy/relay";
import { fromStoredBatch } from "../../src/copy/runStore";
import { runRestoreDirect } from "../../src/direct/restore";
import type { RestorePoint } from "../../src/lineage/restorePoint";
import { heldChainOf } from "../../src/restore/chain";
import type { CopyBatchInput as RestoreBatchInput, VerifyPartInput } from "../../src/restore/types";
import { REVERT_VERIFY_METHOD, VERIFY_METHOD, verifyPart } from "../../src/restore/verify";
import { requireBlobUrl } from "../../src/storage/urls";
import { seededRandom } from "../support/random";
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

const PAGE = 512;
const SIZE = 4 * MiB;
const ROUNDS = 4;

describe("revert by diff (randomized, in-process against the emulator)", () => {
  let h: Harness;
  beforeAll(async () => {
    // No gap bridging here: the chain then writes exactly the touched pages, which bounds what a revert
    // may write (bridging is covered by backupBridging.test.ts).
    h = await createHarness("revert", {
      minBatchBytes: 256 * 1024,
      maxBatches: 8,
      maxClearsPerBatch: 4,
      bridgeGapBytes: 0,
    });
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

  it("holds the chain only at its newest point: one read before a backup completed a newer one is refused", async () => {
    // A restore reads the target's newest point beside its lock: a backup may complete in between.
    const name = "stale.vhd";
    const blob = h.sources.getPageBlobClient(name);
    await blob.create(MiB);
    await blob.uploadPages(Buffer.alloc(64 * 1024, 5), 0, 64 * 1024);
    const first = await backupNow(h, name);
    await blob.uploadPages(Buffer.alloc(64 * 1024, 6), 128 * 1024, 64 * 1024);
    const second = await backupNow(h, name);
    expect(second.restorePoint.kind).toBe("incremental");
    const target = requireBlobUrl(diskFor(h, name).source.url);
    expect((await heldChainOf(h.ctx, second.restorePoint, target))?.restorePointId).toBe(
      second.restorePoint.restorePointId,
    );
    expect(await heldChainOf(h.ctx, first.restorePoint, target)).toBeUndefined();
    expect(await heldChainOf(h.ctx, undefined, target)).toBeUndefined();
  });

  it("hands a small revert's read digests to its verification inline, and the verification holds to them", async () => {
    const name = "digests.vhd";
    const blob = h.sources.getPageBlobClient(name);
    await blob.create(2 * MiB);
    await writeRandom(blob, 0, 256 * 1024);
    const point = (await backupNow(h, name)).restorePoint;
    const want = await contentOf(blob);
    // Inside what the point holds: the revert only writes (one batch, inline).
    await writeRandom(blob, 64 * 1024, 8 * 1024);
    await writeRandom(blob, 128 * 1024, 16 * 1024);
    const disk = diskFor(h, name);
    let relayed: { input: RestoreBatchInput; result: BatchResult } | undefined;
    let verifyInput: VerifyPartInput | undefined;
    const out = await runRestoreDirect(
      h.ctx,
      { diskId: disk.id, restorePointId: point.restorePointId, targetUrl: disk.source.url, overwrite: true },
      "digests",
      {
        onStep: (step, input, result) => {
          const ok = result as { ok: boolean; value: unknown };
          const batch = input as RestoreBatchInput;
          if (step === "restoreCopyBatch" && batch.copy.phase === "revert" && ok.ok)
            relayed = { input: batch, result: ok.value as BatchResult };
          if (step === "restoreVerify" && (input as VerifyPartInput).part === 0)
            verifyInput = input as VerifyPartInput;
        },
      },
    );
    expect(out.verification.method).toBe(REVERT_VERIFY_METHOD);
    expect((await contentOf(blob)).equals(want)).toBe(true);
    // The relay's digests are those of the restore point's bytes, operation by operation ("" for clears).
    const ranges = relayed?.input.ranges;
    expect(ranges).toBeDefined();
    const doc = fromStoredBatch(ranges!);
    const ops = relayOperations(doc.writes, doc.clears);
    const expected = ops.map((op) =>
      op.kind === "clear" ? "" : sha256(want.subarray(op.range.offset, op.range.offset + op.range.length)),
    );
    expect(expected.filter((d) => d !== "").length).toBeGreaterThan(0);
    expect(relayed?.result.digests).toEqual(expected);
    expect(verifyInput?.digests).toEqual(expected);
    // Nothing of the run is left in the run store.
    const stored: string[] = [];
    for await (const b of h.backups.listBlobsFlat({ prefix: `_runs/${disk.id}/` })) stored.push(b.name);
    expect(stored).toEqual([]);
    // The verification compares the disk with the digests it is given: a wrong one is a mismatch.
    const wrong = expected.map((d) => (d === "" ? d : sha256("not these bytes")));
    await expect(verifyPart(h.ctx, { ...verifyInput!, digests: wrong })).rejects.toThrow(
      /differs from the backup snapshot/,
    );
  });

  it("copies in full when the chain cannot be diffed, and lets go of both leases", async () => {
    const name = "nodiff.vhd";
    const blob = h.sources.getPageBlobClient(name);
    await blob.create(2 * MiB);
    await writeRandom(blob, 0, 512 * 1024);
    const point = (await backupNow(h, name)).restorePoint;
    const want = await contentOf(blob);
    // The chain's backup blob written anew (Put Blob: same bytes, same stamp, a new generation): the app
    // still holds the chain, but the service refuses a diff across the rewrite (BlobOverwritten).
    const chainBlob = h.backups.getPageBlobClient(blobNameOf(point.backupUrl));
    const { metadata } = await chainBlob.getProperties();
    const bytes = await contentOf(chainBlob);
    await chainBlob.create(bytes.length, { metadata });
    await chainBlob.uploadPages(bytes.subarray(0, 512 * 1024), 0, 512 * 1024);
    await writeRandom(blob, 64 * 1024, 8 * 1024);
    const disk = diskFor(h, name);
    const phases: string[] = [];
    const out = await runRestoreDirect(
      h.ctx,
      { diskId: disk.id, restorePointId: point.restorePointId, targetUrl: disk.source.url, overwrite: true },
      "nodiff",
      {
        onStep: (step, input) => {
          if (step === "restorePrepareCopy") phases.push((input as { phase: string }).phase);
        },
      },
    );
    expect(phases).toEqual(["safety", "revert", "restore"]);
    expect(h.logs.some((l) => /cannot be diffed.*BlobOverwritten.*copying in full/s.test(l))).toBe(true);
    expect(out.verification.method).toBe(VERIFY_METHOD);
    expect((await contentOf(blob)).equals(want)).toBe(true);
    // The new chain is the promoted blob; the disk and the held chain's backup blob are free again.
    expect(out.backupUrl).not.toBe(point.backupUrl);
    expect((await blob.getProperties()).leaseState).toBe("available");
    expect((await chainBlob.getProperties()).leaseState).toBe("available");
    const next = await backupNow(h, name);
    expect(next.restorePoint).toMatchObject({ status: "completed", kind: "incremental" });
  });

  it("copies in full (and verifies every allocated byte) when the disk was resized since the point", async () => {
    const name = "resized.vhd";
    const blob = h.sources.getPageBlobClient(name);
    await blob.create(2 * MiB);
    await blob.uploadPages(Buffer.alloc(MiB, 3), 0, MiB);
    const first = await backupNow(h, name);
    const want = await contentOf(blob);
    await blob.resize(3 * MiB);
    await blob.uploadPages(Buffer.alloc(MiB, 4), 2 * MiB, MiB);
    await backupNow(h, name);
    const disk = diskFor(h, name);
    const out = await runRestoreDirect(
      h.ctx,
      {
        diskId: disk.id,
        restorePointId: first.restorePoint.restorePointId,
        targetUrl: disk.source.url,
        overwrite: true,
      },
      "resized",
    );
    expect(out.verification.method).toBe(VERIFY_METHOD);
    expect((await contentOf(blob)).equals(want)).toBe(true);
    expect(out.backupUrl).not.toBe(first.restorePoint.backupUrl);
  });
});

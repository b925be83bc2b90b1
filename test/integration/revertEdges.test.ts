// Revert by diff, its edges (in-process against the emulator): the target's chain is held only at its newest
// point, a small revert hands the digests of what it read to its verification inline, a chain that cannot be
// diffed and a resized disk are copied in full. The randomized revert is in restoreRevert.test.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BatchResult } from "../../src/copy/batches";
import { relayOperations, sha256 } from "../../src/copy/relay";
import { fromStoredBatch } from "../../src/copy/runStore";
import { runRestoreDirect } from "../../src/direct/restore";
import { STAMP_WRITING } from "../../src/lineage/stamp";
import { heldChainOf } from "../../src/restore/chain";
import { CHAIN_CHANGED } from "../../src/restore/chainCopy";
import { lockOwnerOfRestore } from "../../src/restore/naming";
import { safetyCopyOf, targetSafetySnapshotOf } from "../../src/restore/phases";
import { resolveRestore } from "../../src/restore/resolve";
import { snapshotBlob } from "../../src/restore/snapshot";
import { prepareCopy } from "../../src/restore/sparseCopy";
import type { CopyBatchInput as RestoreBatchInput, VerifyPartInput } from "../../src/restore/types";
import { REVERT_VERIFY_METHOD, VERIFY_METHOD, verifyPart } from "../../src/restore/verify";
import { requireBlobUrl } from "../../src/storage/urls";
import {
  backupNow,
  blobNameOf,
  contentOf,
  createHarness,
  diskFor,
  type Harness,
  MiB,
  REVERT_TUNING,
  writeRandom,
} from "./support/harness";

describe("revert by diff, edge cases (in-process against the emulator)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness("revertedge", REVERT_TUNING);
  });
  afterAll(async () => h?.cleanup());

  /** A 2 MiB disk with 256 KiB of data, backed up (`point`, holding `want`), then written at `changes`. */
  async function changedSincePoint(name: string, changes: Array<[offset: number, length: number]>) {
    const blob = h.sources.getPageBlobClient(name);
    await blob.create(2 * MiB);
    await writeRandom(blob, 0, 256 * 1024);
    const point = (await backupNow(h, name)).restorePoint;
    const want = await contentOf(blob);
    for (const [offset, length] of changes) await writeRandom(blob, offset, length);
    return { blob, point, want, disk: diskFor(h, name) };
  }

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
    // Inside what the point holds (written back) and outside it (cleared): two batches, both inline.
    const { blob, point, want, disk } = await changedSincePoint("digests.vhd", [
      [64 * 1024, 8 * 1024],
      [128 * 1024, 16 * 1024],
      [MiB, 16 * 1024],
    ]);
    const relayed = new Map<number, { input: RestoreBatchInput; result: BatchResult }>();
    const verifyInputs = new Map<number | "layout", VerifyPartInput>();
    const out = await runRestoreDirect(
      h.ctx,
      { diskId: disk.id, restorePointId: point.restorePointId, targetUrl: disk.source.url, overwrite: true },
      "digests",
      {
        onStep: (step, input, result) => {
          const ok = result as { ok: boolean; value: unknown };
          const batch = input as RestoreBatchInput;
          if (step === "restoreCopyBatch" && batch.copy.phase === "revert" && ok.ok)
            relayed.set(batch.batch, { input: batch, result: ok.value as BatchResult });
          if (step === "restoreVerify")
            verifyInputs.set((input as VerifyPartInput).part, input as VerifyPartInput);
        },
      },
    );
    expect(out.verification.method).toBe(REVERT_VERIFY_METHOD);
    expect((await contentOf(blob)).equals(want)).toBe(true);
    expect([...relayed.keys()].sort()).toEqual([0, 1]);
    // Each batch's digests are those of the restore point's bytes, operation by operation ("" for clears).
    const expectedOf = (batch: number) => {
      const ranges = relayed.get(batch)?.input.ranges;
      expect(ranges).toBeDefined();
      const doc = fromStoredBatch(ranges!);
      return relayOperations(doc.writes, doc.clears).map((op) =>
        op.kind === "clear" ? "" : sha256(want.subarray(op.range.offset, op.range.offset + op.range.length)),
      );
    };
    const [writes, clears] = [expectedOf(0), expectedOf(1)];
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.every((d) => d !== "")).toBe(true);
    expect(clears).toEqual([""]);
    expect(relayed.get(0)?.result.digests).toEqual(writes);
    expect(relayed.get(1)?.result.digests).toEqual(clears);
    expect(verifyInputs.get(0)?.digests).toEqual(writes);
    // The layout check reads every range the revert touched, both batches' (inline too).
    const layout = fromStoredBatch(verifyInputs.get("layout")!.ranges!);
    expect(layout.clears).toEqual([{ offset: MiB, length: 16 * 1024 }]);
    expect(layout.writes.length).toBe(fromStoredBatch(relayed.get(0)!.input.ranges!).writes.length);
    // Nothing of the run is left in the run store.
    const stored: string[] = [];
    for await (const b of h.backups.listBlobsFlat({ prefix: `_runs/${disk.id}/` })) stored.push(b.name);
    expect(stored).toEqual([]);
    // The verification compares the disk with the digests it is given: a wrong one is a mismatch.
    const wrong = writes.map(() => sha256("not these bytes"));
    await expect(verifyPart(h.ctx, { ...verifyInputs.get(0)!, digests: wrong })).rejects.toThrow(
      /differs from the backup snapshot/,
    );
  });

  it("asks no more than it must: no checkpoint read on first calls, the verified snapshot is the one recorded", async () => {
    const name = "requests.vhd";
    const { blob, point, want, disk } = await changedSincePoint(name, [
      [64 * 1024, 8 * 1024],
      [MiB, 16 * 1024],
    ]);
    const calls: Array<{ step: string; resumed: unknown }> = [];
    let layoutSnapshot: unknown;
    let layoutInput: VerifyPartInput | undefined;
    const diskPath = `${h.sourcePrefix}/${name}`;
    const runStore = `${h.backupPrefix}/_runs`;
    await h.emu.control.resetStats(diskPath);
    await h.emu.control.resetStats(runStore);
    const out = await runRestoreDirect(
      h.ctx,
      { diskId: disk.id, restorePointId: point.restorePointId, targetUrl: disk.source.url, overwrite: true },
      "requests",
      {
        onStep: (step, input, result) => {
          if (step === "restoreCopyBatch" || step === "restoreVerify")
            calls.push({ step, resumed: (input as { resumed?: unknown }).resumed });
          const value = (result as { ok: boolean; value?: { snapshot?: string } }).value;
          if (step === "restoreVerify" && (input as VerifyPartInput).part === "layout") {
            layoutSnapshot = value?.snapshot;
            layoutInput = input as VerifyPartInput;
          }
        },
      },
    );
    expect(out.verification.method).toBe(REVERT_VERIFY_METHOD);
    expect((await contentOf(blob)).equals(want)).toBe(true);
    // Safety copy, revert copy (writes, clears), verification parts: each called once, none read a checkpoint.
    expect(calls.map((c) => c.step).sort()).toEqual([
      "restoreCopyBatch",
      "restoreCopyBatch",
      "restoreCopyBatch",
      "restoreVerify",
      "restoreVerify",
      "restoreVerify",
    ]);
    expect(calls.every((c) => c.resumed === undefined)).toBe(true);
    const stored = (await h.emu.control.getStats(runStore)).operations;
    expect(Object.values(stored).reduce((n, op) => n + op.requests, 0)).toBe(0);
    // The disk was snapshotted twice (before, and the verified one): the completion made none and
    // deleted none, and records the snapshot the verification checked.
    const ops = (await h.emu.control.getStats(diskPath)).operations;
    expect([ops.createSnapshot?.requests, ops.deleteBlob?.requests ?? 0]).toEqual([2, 0]);
    expect(typeof layoutSnapshot).toBe("string");
    expect(out.sourceSnapshot).toBe(layoutSnapshot);
    const restored = await h.ctx.lineage.get(disk.id, out.restorePointId);
    expect(restored?.sourceSnapshot).toBe(layoutSnapshot);
    expect((await contentOf(blob.withSnapshot(out.sourceSnapshot))).equals(want)).toBe(true);
    // The layout part run again (a retried step): its younger snapshot gives way to the one checked and
    // recorded, the layout is listed again from that one, and the verdict is the same.
    if (!layoutInput) throw new Error("no layout part ran");
    const again = await verifyPart(h.ctx, layoutInput);
    expect(again.snapshot).toBe(layoutSnapshot);
    expect(again.done).toBe(true);
    const snapshots: string[] = [];
    for await (const b of h.sources.listBlobsFlat({ prefix: name, includeSnapshots: true }))
      if (b.snapshot) snapshots.push(b.snapshot);
    expect(snapshots.filter((s) => s > String(layoutSnapshot))).toEqual([]);
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
  it("claims the chain's backup blob only as the lineage left it: another writer's stamp fails the safety point (ChainChanged), nothing written", async () => {
    const { blob, point, disk } = await changedSincePoint("chainchanged.vhd", [[64 * 1024, 8 * 1024]]);
    const onDisk = await contentOf(blob);
    const request = {
      diskId: disk.id,
      restorePointId: point.restorePointId,
      targetUrl: disk.source.url,
      overwrite: true,
    };
    const run = await resolveRestore(h.ctx, request, "chain-changed");
    expect(run.revert).toBe(true);
    const before = await snapshotBlob(h.ctx, targetSafetySnapshotOf(run));
    // Between the steps no lease is held on the chain's backup blob: another writer stamps it meanwhile.
    const chainBlob = h.ctx.storage.pageBlob(requireBlobUrl(run.chain?.backupUrl ?? ""));
    const stamped = (await chainBlob.getProperties()).metadata ?? {};
    await chainBlob.setMetadata({ ...stamped, [STAMP_WRITING]: "another-run" });
    const bytesBefore = await contentOf(chainBlob);
    await expect(prepareCopy(h.ctx, safetyCopyOf(run, before))).rejects.toMatchObject({
      code: CHAIN_CHANGED,
    });
    // The other writer's stamp stands, and neither the chain's blob nor the disk took a byte.
    expect((await chainBlob.getProperties()).metadata?.[STAMP_WRITING]).toBe("another-run");
    expect((await contentOf(chainBlob)).equals(bytesBefore)).toBe(true);
    expect((await contentOf(blob)).equals(onDisk)).toBe(true);
    await h.ctx.locks.release(run.targetDiskId, lockOwnerOfRestore(run));
  });
});

// Restore rules against the storage emulator: refused requests (400/404/409) leave storage untouched,
// point-in-time selection, overwrite with a safety restore point, leased targets, loud verification.
import type { ContainerClient } from "@azure/storage-blob";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppContext } from "../../src/app/context";
import { loadSettings } from "../../src/config/settings";
import { sha256 } from "../../src/copy/relay";
import { fromStoredBatch } from "../../src/copy/runStore";
import { runRestoreDirect } from "../../src/direct/restore";
import type { RestorePoint } from "../../src/lineage/restorePoint";
import { totalBytes } from "../../src/ranges";
import { admitRestore } from "../../src/restore/admission";
import { failRestore } from "../../src/restore/fail";
import { pairedWindowsOf, preparedBatchesOf, restoreCopyOf, verifyInputsOf } from "../../src/restore/phases";
import { resolveRestore } from "../../src/restore/resolve";
import { copyBatch, prepareCopy } from "../../src/restore/sparseCopy";
import type { CopyPhase } from "../../src/restore/types";
import { verifyPart } from "../../src/restore/verify";
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

async function listing(container: ContainerClient): Promise<string[]> {
  const out: string[] = [];
  if (!(await container.exists())) return ["<no container>"];
  for await (const b of container.listBlobsFlat({ includeSnapshots: true, includeMetadata: true })) {
    const p = b.properties;
    out.push(
      `${b.name}@${b.snapshot ?? ""} ${p.contentLength} ${p.etag} ${p.leaseState} ${JSON.stringify(b.metadata)}`,
    );
  }
  return out.sort();
}

describe("restore rules (in-process against the emulator)", () => {
  let h: Harness;
  const points: RestorePoint[] = [];
  const contents: Buffer[] = [];
  let diskId = "";
  let sourceUrl = "";

  async function state() {
    const rows: string[] = [];
    for await (const row of h.ctx.lineage.table.listEntities())
      rows.push(`${row.partitionKey}/${row.rowKey} ${row.etag}`);
    return { sources: await listing(h.sources), backups: await listing(h.backups), rows: rows.sort() };
  }

  beforeAll(async () => {
    h = await createHarness("rrules");
    const blob = h.sources.getPageBlobClient("vm.vhd");
    await blob.create(8 * MiB);
    await writeRandom(blob, 0, MiB);
    for (let i = 0; i < 3; i++) {
      await writeRandom(blob, (i + 2) * MiB, 512 * (i + 1));
      if (i === 2) await blob.clearPages(0, 4096);
      contents.push(await contentOf(blob));
      const result = await backupNow(h, "vm.vhd");
      expect(result.status, result.restorePoint.reason ?? "").toBe("completed");
      points.push(result.restorePoint);
    }
    const disk = diskFor(h, "vm.vhd");
    diskId = disk.id;
    sourceUrl = disk.source.url;
    // A failed restore point, as a crashed backup leaves it.
    await h.ctx.lineage.upsert({
      ...points[2]!,
      restorePointId: "20990101T000000Z-deadbeef",
      startedAt: "2099-01-01T00:00:00.000Z",
      status: "failed",
      reason: "test",
    });
  });
  afterAll(async () => h?.cleanup());

  it("refuses malformed, unknown and conflicting requests without changing anything", async () => {
    const leased = h.sources.getPageBlobClient("leased.vhd");
    await leased.create(MiB);
    await leased.getBlobLeaseClient().acquireLease(-1);
    const existing = h.sources.getPageBlobClient("exists.vhd");
    await existing.create(MiB);
    const rp = points[0]!.restorePointId;
    const container = h.ctx.settings.sources[0]!.url;
    const cases: Array<[unknown, number, string]> = [
      [[], 400, "InvalidRequest"],
      [{ restorePointId: rp }, 400, "InvalidRequest"],
      [{ diskId, restorePointId: rp, pointInTime: new Date().toISOString() }, 400, "InvalidRequest"],
      [{ diskId }, 400, "InvalidRequest"],
      [{ diskId, pointInTime: "yesterday" }, 400, "InvalidRequest"],
      [{ diskId, restorePointId: rp, overwrite: "yes" }, 400, "InvalidRequest"],
      [{ diskId, restorePointId: rp, targetUrl: "ftp://x/y/z" }, 400, "InvalidRequest"],
      [{ diskId, restorePointId: rp, targetUrl: container }, 400, "InvalidRequest"],
      [{ diskId, restorePointId: rp, extra: 1 }, 400, "InvalidRequest"],
      [
        { diskId, restorePointId: rp, targetUrl: `${h.ctx.settings.target.url}/x.vhd` },
        400,
        "TargetInBackupAccount",
      ],
      [{ diskId: "no-such-disk-00000000", restorePointId: rp }, 404, "DiskNotFound"],
      [{ diskId, restorePointId: "20200101T000000Z-00000000" }, 404, "RestorePointNotFound"],
      [{ diskId, restorePointId: "20990101T000000Z-deadbeef" }, 404, "RestorePointNotCompleted"],
      [{ diskId, pointInTime: "2001-01-01T00:00:00Z" }, 404, "RestorePointNotFound"],
      [
        {
          diskId,
          restorePointId: rp,
          targetUrl: `${h.ctx.settings.sources[0]!.serviceUrl}/nosuchcontainer/x.vhd`,
        },
        400,
        "TargetNotAllowed",
      ],
      [{ diskId, restorePointId: rp, targetUrl: `${container}/exists.vhd` }, 409, "TargetExists"],
      [
        { diskId, restorePointId: rp, targetUrl: `${container}/leased.vhd`, overwrite: true },
        409,
        "TargetLeased",
      ],
      [{ diskId, restorePointId: rp, targetUrl: sourceUrl }, 409, "TargetExists"],
    ];
    const before = await state();
    for (const [body, status, code] of cases) {
      const admission = await admitRestore(h.ctx, body);
      expect(admission.ok, JSON.stringify(body)).toBe(false);
      if (admission.ok) continue;
      expect({ body, status: admission.error.status, code: admission.error.code }).toEqual({
        body,
        status,
        code,
      });
      expect(admission.error.message.length).toBeGreaterThan(10);
    }
    expect(await state()).toEqual(before);
    const leasedAdmission = await admitRestore(h.ctx, cases[16]![0]);
    expect(leasedAdmission.ok ? "" : leasedAdmission.error.message).toMatch(/active lease.*running VM/);
    // The orchestration's resolve step refuses the same way (state may change after admission).
    await expect(
      resolveRestore(
        h.ctx,
        { diskId, restorePointId: rp, targetUrl: `${container}/leased.vhd`, overwrite: true },
        "r",
      ),
    ).rejects.toThrow(/TargetLeased/);
    expect(await state()).toEqual(before);
    // Named in RESTORE_TARGETS, another container of the account is allowed, and then checked for
    // existence (a restore never creates containers in source accounts).
    const wider = createAppContext(
      loadSettings({ ...h.env, RESTORE_TARGETS: h.ctx.settings.sources[0]!.serviceUrl }),
      { log: () => {} },
    );
    const missing = await admitRestore(wider, {
      diskId,
      restorePointId: rp,
      targetUrl: `${h.ctx.settings.sources[0]!.serviceUrl}/nosuchcontainer/x.vhd`,
    });
    expect(missing).toMatchObject({ ok: false, error: { status: 404, code: "TargetContainerNotFound" } });
    expect(await state()).toEqual(before);
  });

  it("selects the latest completed restore point at or before a point in time", async () => {
    // A point's instant is its source snapshot's time (100 ns precision: +1 ms is safely after it).
    const at = (p: RestorePoint, ms: number) => new Date(Date.parse(p.sourceSnapshot) + ms).toISOString();
    const pick = async (pointInTime: string) => {
      const a = await admitRestore(h.ctx, { diskId, pointInTime, targetUrl: `${sourceUrl}.pit` });
      return a.ok ? a.value.input.restorePointId : a.error.code;
    };
    expect(await pick(at(points[0]!, 1))).toBe(points[0]!.restorePointId);
    expect(await pick(at(points[1]!, -1))).toBe(points[0]!.restorePointId);
    expect(await pick(at(points[1]!, 1))).toBe(points[1]!.restorePointId);
    // the failed point in 2099 is never chosen
    expect(await pick("2100-01-01T00:00:00Z")).toBe(points[2]!.restorePointId);
    const admitted = await admitRestore(h.ctx, { diskId, pointInTime: at(points[1]!, 1) });
    expect(admitted.ok).toBe(true);
    if (!admitted.ok) return;
    expect(blobNameOf(admitted.value.input.targetUrl)).toBe(`vm-restore-${points[1]!.restorePointId}.vhd`);
    const out = await runRestoreDirect(h.ctx, admitted.value.input, "pit");
    expect(
      (await contentOf(h.sources.getPageBlobClient(blobNameOf(out.restoredDiskUrl)))).equals(contents[1]!),
    ).toBe(true);
  });

  it("overwrites a disk in place after recording a safety restore point, and the chain continues", async () => {
    const blob = h.sources.getPageBlobClient("vm.vhd");
    await blob.resize(10 * MiB);
    await writeRandom(blob, 9 * MiB, MiB);
    const beforeOverwrite = await contentOf(blob);
    const out = await runRestoreDirect(
      h.ctx,
      { diskId, restorePointId: points[0]!.restorePointId, targetUrl: sourceUrl, overwrite: true },
      "inplace",
    );
    expect(out.diskId).toBe(diskId);
    expect((await contentOf(blob)).equals(contents[0]!)).toBe(true);
    expect(out.safetyRestorePointId).toBeTruthy();
    const chain = await h.ctx.lineage.list(diskId, { status: "completed" });
    expect(chain[0]).toMatchObject({
      restorePointId: out.restorePointId,
      kind: "restored",
      parentRestorePointId: points[0]!.restorePointId,
    });
    const safety = chain[1]!;
    // The disk's chain is held: its safety point is an incremental of that chain, in its backup blob.
    expect(safety).toMatchObject({
      restorePointId: out.safetyRestorePointId,
      kind: "incremental",
      parentRestorePointId: points[2]!.restorePointId,
      backupUrl: points[2]!.backupUrl,
      diskSizeBytes: 10 * MiB,
    });
    expect(safety.reason).toMatch(/safety snapshot/);
    const saved = await contentOf(
      h.backups.getPageBlobClient(blobNameOf(safety.backupUrl)).withSnapshot(safety.backupSnapshot),
    );
    expect(saved.equals(beforeOverwrite)).toBe(true);
    // the lease of the restore is released and the next backup is incremental from the restored point
    expect((await blob.getProperties()).leaseState).toBe("available");
    await writeRandom(blob, 5 * MiB, 1024);
    const expected = await contentOf(blob);
    const next = await backupNow(h, "vm.vhd");
    expect(next.restorePoint).toMatchObject({
      kind: "incremental",
      parentRestorePointId: out.restorePointId,
      changedBytes: 1024,
    });
    const backedUp = await contentOf(
      h.backups
        .getPageBlobClient(blobNameOf(next.restorePoint.backupUrl))
        .withSnapshot(next.restorePoint.backupSnapshot),
    );
    expect(backedUp.equals(expected)).toBe(true);
    // the safety point itself restores to the pre-overwrite bytes
    const back = await runRestoreDirect(
      h.ctx,
      { diskId, restorePointId: safety.restorePointId, targetUrl: `${sourceUrl}.safety`, overwrite: false },
      "safety",
    );
    expect(
      (await contentOf(h.sources.getPageBlobClient(blobNameOf(back.restoredDiskUrl)))).equals(
        beforeOverwrite,
      ),
    ).toBe(true);
  });

  it("fails verification loudly when the new disk differs from the backup snapshot, and records why", async () => {
    const targetUrl = `${sourceUrl}.verify`;
    const input = { diskId, restorePointId: points[1]!.restorePointId, targetUrl, overwrite: false };
    const run = await resolveRestore(h.ctx, input, "verify");
    const copied = await runCopy(h, restoreCopyOf(run));
    // A small copy's only batch travels inline: no batch document in the run store, the steps carry it.
    expect(copied.batchBytes).toHaveLength(1);
    expect(copied.inlineBatches?.[0]?.writes.length).toBeGreaterThan(0);
    const stored: string[] = [];
    for await (const b of h.backups.listBlobsFlat({ prefix: `_runs/${run.targetDiskId}/` }))
      stored.push(b.name);
    expect(stored.filter((name) => name.endsWith("batch-00000.json"))).toEqual([]);
    const target = h.sources.getPageBlobClient(blobNameOf(targetUrl));
    // inside a copied range: caught by the batch; outside every allocated range: caught by the layout
    // (the restore holds a lease on the target while it writes and verifies)
    const leased = { conditions: { leaseId: run.leaseId } };
    // the complement of what is there, so the very first byte differs whatever the random data was
    const there = await target.downloadToBuffer(2 * MiB, 512);
    await target.uploadPages(Buffer.from(there.map((b) => b ^ 0xff)), 2 * MiB, 512, leased);
    const [layout, first] = verifyInputsOf(run, "full", copied, undefined);
    expect([layout?.part, first?.part]).toEqual(["layout", 0]);
    await expect(verifyPart(h.ctx, first!)).rejects.toThrow(
      /differs from the backup snapshot at byte 2097152/,
    );
    expect(await verifyPart(h.ctx, { run, mode: "full", part: "layout" })).toMatchObject({
      bytesCompared: 0,
    });
    await target.uploadPages(Buffer.alloc(512, 7), 7 * MiB, 512, leased);
    await expect(verifyPart(h.ctx, { run, mode: "full", part: "layout" })).rejects.toThrow(/at byte 7340032/);
    await failRestore(h.ctx, {
      run,
      failure: { code: "VerificationFailed", message: "the restored disk differs" },
    });
    const row = await h.ctx.lineage.get(run.targetDiskId, run.newRestorePointId);
    expect(row).toMatchObject({
      status: "failed",
      kind: "restored",
      parentRestorePointId: points[1]!.restorePointId,
    });
    expect(JSON.parse(row?.verification ?? "{}")).toEqual({
      verified: false,
      reason: "the restored disk differs",
    });
    expect(await target.exists()).toBe(false);
    expect(await h.backups.getPageBlobClient(blobNameOf(run.promotedUrl)).exists()).toBe(false);
  });
  it("compares a full restore's ranges as they arrive: each range's digest, and the first differing byte deep in a range", async () => {
    const targetUrl = `${sourceUrl}.stream`;
    const input = { diskId, restorePointId: points[1]!.restorePointId, targetUrl, overwrite: false };
    const run = await resolveRestore(h.ctx, input, "stream");
    const copied = await runCopy(h, restoreCopyOf(run));
    const [, first] = verifyInputsOf(run, "full", copied, undefined);
    const doc = fromStoredBatch(first!.ranges!);
    // The part's digest: SHA-256 over each range's SHA-256 of the restore point's bytes (what older
    // builds recorded and kept in their checkpoints, so a part they began can be resumed).
    const point = await contentOf(
      h.backups.getPageBlobClient(blobNameOf(run.backupUrl)).withSnapshot(run.backupSnapshot),
    );
    const ranges = doc.writes.map((r) => sha256(point.subarray(r.offset, r.offset + r.length)));
    expect(await verifyPart(h.ctx, first!)).toEqual({
      bytesCompared: totalBytes(doc.writes),
      chunks: doc.writes.length,
      digest: sha256(ranges.join("")),
      done: true,
    });
    // One byte changed 700,004 bytes into the first range (far past the stream's first pieces).
    expect(doc.writes[0]).toMatchObject({ offset: 0 });
    expect(doc.writes[0]!.length).toBeGreaterThan(700_004);
    const target = h.sources.getPageBlobClient(blobNameOf(targetUrl));
    const page = await target.downloadToBuffer(699_904, 512);
    page[100] = (page[100] ?? 0) ^ 0x01;
    await target.uploadPages(page, 699_904, 512, { conditions: { leaseId: run.leaseId } });
    await expect(verifyPart(h.ctx, first!)).rejects.toThrow(
      /differs from the backup snapshot at byte 700004 /,
    );
    await failRestore(h.ctx, { run, failure: { code: "VerificationFailed", message: "differs" } });
  });
});

async function runCopy(h: Harness, copy: CopyPhase) {
  const prepared = await prepareCopy(h.ctx, copy);
  const batches = prepared.batchBytes.length;
  for (const input of pairedWindowsOf(preparedBatchesOf([copy], [prepared]), batches).flat())
    await copyBatch(h.ctx, input);
  return prepared;
}

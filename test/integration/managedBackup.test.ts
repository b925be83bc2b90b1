// Backups of managed disks through the Resource Manager stand-in and the storage emulator, with the real
// @azure/arm-compute client: a full sparse copy first, then incrementals by x-ms-previous-snapshot-url
// (writes, clears, a resize), a full copy with its reason for a recreated disk and a resize across
// 4 TiB; every restore point byte for byte equal to the disk when it was taken; every SAS revoked and
// only the newest app-made snapshot kept, after success and after failure.
import { randomBytes } from "node:crypto";
import type { Snapshot } from "@azure/arm-compute";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { beginDiskBackup } from "../../src/backup/begin";
import { completeDiskBackup } from "../../src/backup/complete";
import { copyBackupBatch } from "../../src/backup/copyBatch";
import { planDiskBackup } from "../../src/backup/plan";
import { copyBatchInputs } from "../../src/backup/types";
import { requireComputeId } from "../../src/compute/resourceIds";
import { restorePointIdOf } from "../../src/lineage/restorePoint";
import { POLL } from "../arm/harness";
import { createManagedHarness, GIB, type ManagedHarness, MiB, sameSparseBytes } from "./support/managed";

let h: ManagedHarness;
beforeAll(async () => {
  h = await createManagedHarness("mdbk");
});
afterAll(async () => {
  await h?.cleanup();
});

async function write(disk: string, offset: number, length: number): Promise<void> {
  const blob = h.blob(disk);
  for (let o = 0; o < length; o += 4 * MiB) {
    const n = Math.min(4 * MiB, length - o);
    await blob.uploadPages(randomBytes(n), offset + o, n);
  }
}

async function appSnapshots(disk: string): Promise<Snapshot[]> {
  const found: Snapshot[] = [];
  for await (const s of h.arm.client.snapshots.listByResourceGroup(h.arm.resourceGroup)) {
    if (s.tags?.backupdiskid === h.disk(disk).id) found.push(s);
  }
  return found;
}

/** The restore point's backup snapshot equals the disk's bytes now (nothing wrote since the backup). */
async function expectSameAsDisk(disk: string, point: { backupUrl: string; backupSnapshot: string }) {
  const name = decodeURIComponent(new URL(point.backupUrl).pathname.split("/").slice(3).join("/"));
  const backup = h.backups.getPageBlobClient(name).withSnapshot(point.backupSnapshot);
  const compared = await sameSparseBytes(h.blob(disk), backup);
  expect(compared.same, compared.why).toBe(true);
  return compared.bytes;
}

describe("managed disk backups", () => {
  it("copies a first backup in full (sparse), then only what changed, clears included", async () => {
    await h.createDisk("data1", 1);
    await write("data1", 0, 3 * MiB);
    await write("data1", 700 * MiB, 2 * MiB + 512);
    const first = await h.backup("data1");
    expect(first.status, first.restorePoint.reason ?? "").toBe("completed");
    const p1 = first.restorePoint;
    expect(p1).toMatchObject({
      kind: "full",
      reason: "first backup of this disk",
      sourceKind: "managedDisk",
      sourceResourceId: h.disk("data1").ref.id,
      sourceUrl: h.disk("data1").ref.id,
      diskSizeBytes: GIB,
    });
    const disk = await h.arm.client.disks.get(h.arm.resourceGroup, "data1");
    expect(p1.sourceUniqueId).toBe(disk.uniqueId);
    expect(p1.snapshotResourceId).toMatch(/\/snapshots\/bk-data1-/);
    // The footer page is part of the disk's blob: 5 MiB written + 512 bytes of footer.
    expect(p1.changedBytes).toBe(5 * MiB + 512 + 512);
    expect(await expectSameAsDisk("data1", p1)).toBeGreaterThanOrEqual(p1.changedBytes);
    const stored = await h.ctx.lineage.get(p1.diskId, p1.restorePointId);
    expect(stored).toMatchObject({ sourceKind: "managedDisk", snapshotResourceId: p1.snapshotResourceId });

    await write("data1", MiB, 512 * 3);
    await h.blob("data1").clearPages(700 * MiB, MiB);
    await write("data1", 900 * MiB, 4096);
    const second = await h.backup("data1");
    const p2 = second.restorePoint;
    expect(second.status, p2.reason ?? "").toBe("completed");
    expect(p2).toMatchObject({ kind: "incremental", parentRestorePointId: p1.restorePointId, reason: null });
    expect(p2.changedBytes).toBe(512 * 3 + 4096);
    expect(p2.clearedBytes).toBe(MiB);
    await expectSameAsDisk("data1", p2);
    // The rolling verification after each backup reads the managed source snapshot through its own SAS.
    expect(first.after?.verification).toMatchObject({ status: "verified" });
    expect(second.after?.verification).toMatchObject({ status: "verified" });
    // The first restore point still holds the disk as it was then.
    const old = h.backups
      .getPageBlobClient(decodeURIComponent(new URL(p1.backupUrl).pathname.split("/").slice(3).join("/")))
      .withSnapshot(p1.backupSnapshot);
    expect((await old.downloadToBuffer(700 * MiB, 512)).equals(Buffer.alloc(512))).toBe(false);

    // Only the newest app-made snapshot is kept, and no SAS is left on it.
    const kept = await appSnapshots("data1");
    expect(kept.map((s) => s.id)).toEqual([p2.snapshotResourceId]);
    expect(kept[0]?.diskState).toBe("Unattached");
  });

  it("follows a resize (the backup blob grows with the disk) incrementally", async () => {
    await h.arm.client.disks.beginCreateOrUpdateAndWait(
      h.arm.resourceGroup,
      "data1",
      { location: "local", diskSizeGB: 2, creationData: { createOption: "Empty" } },
      POLL,
    );
    await write("data1", GIB + 5 * MiB, MiB);
    const run = await h.backup("data1");
    const p = run.restorePoint;
    expect(run.status, p.reason ?? "").toBe("completed");
    expect(p).toMatchObject({ kind: "incremental", diskSizeBytes: 2 * GIB });
    // The new megabyte and the footer at the new end; the old footer page is cleared.
    expect(p.changedBytes).toBe(MiB + 512);
    expect(p.clearedBytes).toBe(512);
    await expectSameAsDisk("data1", p);
  });

  it("takes a full copy, saying why, of a disk deleted and created again under the same name", async () => {
    await h.arm.client.disks.beginDeleteAndWait(h.arm.resourceGroup, "data1", POLL);
    await h.createDisk("data1", 1);
    await write("data1", 10 * MiB, MiB);
    const run = await h.backup("data1");
    const p = run.restorePoint;
    expect(run.status, p.reason ?? "").toBe("completed");
    expect(p.kind).toBe("full");
    expect(p.reason).toMatch(/recreated \(uniqueId .+ → .+\)/);
    await expectSameAsDisk("data1", p);
    const kept = await appSnapshots("data1");
    expect(kept.map((s) => s.id)).toEqual([p.snapshotResourceId]);
  });

  it("takes a full copy after a resize across 4 TiB", async () => {
    await h.createDisk("big", 1);
    await write("big", 0, MiB);
    expect((await h.backup("big")).restorePoint.kind).toBe("full");
    await h.arm.client.disks.beginCreateOrUpdateAndWait(
      h.arm.resourceGroup,
      "big",
      { location: "local", diskSizeGB: 4097, creationData: { createOption: "Empty" } },
      POLL,
    );
    await write("big", 4096 * GIB + MiB, MiB);
    const run = await h.backup("big");
    const p = run.restorePoint;
    expect(run.status, p.reason ?? "").toBe("completed");
    expect(p).toMatchObject({ kind: "full", diskSizeBytes: 4097 * GIB });
    expect(p.reason).toMatch(/resized across 4 TiB/);
    await expectSameAsDisk("big", p);
  });

  it("revokes every SAS and deletes its own snapshot when a backup fails, keeping the diff base", async () => {
    await h.createDisk("fails", 1);
    await write("fails", 0, MiB);
    const base = (await h.backup("fails")).restorePoint;
    await write("fails", 2 * MiB, MiB);
    // The copy is refused (403) after both snapshots got their SAS: neither SAS may outlive the run.
    const scope = `/devbackupaccount/${h.backups.containerName}`;
    const rule = {
      operations: ["putPageFromUrl"],
      pathPrefix: scope,
      rate: 1,
      kind: "permissionDenied" as const,
    };
    await h.emu.control.setFaults([rule], 1, scope);
    let granted = 0;
    const failed = await h.backup("fails", {
      retryDelayScale: 0.01,
      onStep: (name, _input, result) => {
        if (name === "beginDiskBackup" && (result as { ok: boolean }).ok) granted++;
      },
    });
    await h.emu.control.setFaults([], 1, scope);
    expect(granted).toBe(1);
    expect(failed.status).toBe("failed");
    expect(failed.restorePoint.reason).toMatch(/AuthorizationPermissionMismatch|403/);
    expect(failed.restorePoint).toMatchObject({ status: "failed", sourceKind: "managedDisk" });
    const kept = await appSnapshots("fails");
    expect(kept.map((s) => s.id)).toEqual([base.snapshotResourceId]);
    expect(kept.every((s) => s.diskState === "Unattached")).toBe(true);
    // The failed run had claimed the backup blob: the next backup copies in full, saying why.
    const next = await h.backup("fails");
    expect(next.restorePoint).toMatchObject({ status: "completed", kind: "full" });
    expect(next.restorePoint.reason).toMatch(/did not complete/);
    await expectSameAsDisk("fails", next.restorePoint);
  });

  it("grants the diff base again when another party's revoke ended the run's SAS on it", async () => {
    await h.createDisk("race", 1);
    await write("race", 0, MiB);
    await h.backup("race");
    await write("race", 4 * MiB, 8192);
    const disk = h.disk("race");
    const startedAt = new Date().toISOString();
    const ref = {
      diskId: disk.id,
      sourceUrl: disk.sourceUrl,
      runId: "race-run",
      restorePointId: restorePointIdOf(startedAt, "abcdef01"),
      startedAt,
    };
    // The steps one by one, with what the previous point's verification does when it records in between:
    // it revokes access to its snapshot, the run's diff base, and with it the run's SAS.
    const run = await beginDiskBackup(h.ctx, ref);
    expect(run.mode).toBe("incremental");
    const base = requireComputeId(run.managed?.prevSnapshotResourceId ?? "", "snapshots");
    await h.arm.client.snapshots.beginRevokeAccessAndWait(base.resourceGroup, base.name, POLL);
    const plan = await planDiskBackup(h.ctx, run);
    expect(plan).toMatchObject({ mode: "incremental", changedBytes: 8192 });
    expect(h.logs.some((l) => /the SAS on the diff base ended early; granting it again/.test(l))).toBe(true);
    for (const input of copyBatchInputs(run, plan)) await copyBackupBatch(h.ctx, input);
    const point = await completeDiskBackup(h.ctx, { run, plan });
    expect(point).toMatchObject({ kind: "incremental", changedBytes: 8192 });
    await expectSameAsDisk("race", point);
    expect((await appSnapshots("race")).every((s) => s.diskState === "Unattached")).toBe(true);
  });
});

// Restores of a managed disk's restore points through the stand-in and the emulator: every point to a
// new managed disk (upload route: created for upload, written by Put Page From URL, a valid fixed-VHD
// footer, verified, revoked) and to a page blob, byte for byte equal to the disk when it was backed up;
// the restored disk's next backup continues the chain; refused requests change nothing; a failed restore
// removes the disk it created.
import { randomBytes } from "node:crypto";
import type { Disk } from "@azure/arm-compute";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { footerProblemOf } from "../../src/compute/vhd";
import { runRestoreDirect } from "../../src/direct/restore";
import type { RestorePoint } from "../../src/lineage/restorePoint";
import { admitRestore } from "../../src/restore/admission";
import { DISK_VERIFY_METHOD } from "../../src/restore/managedTarget";
import { testEmulator, uniqueName } from "../support/emulator";
import { createManagedHarness, GIB, type ManagedHarness, MiB, sameSparseBytes } from "./support/managed";

let h: ManagedHarness;
let pageTargets = "";
const points: RestorePoint[] = [];
/** The source disk's bytes at each restore point (a blob snapshot of its blob, taken by the test). */
const sourceAt = new Map<string, string>();

async function write(disk: string, offset: number, length: number) {
  await h.blob(disk).uploadPages(randomBytes(length), offset, length);
}

async function backupAndRemember(disk: string): Promise<RestorePoint> {
  const run = await h.backup(disk);
  expect(run.status, run.restorePoint.reason ?? "").toBe("completed");
  sourceAt.set(run.restorePoint.restorePointId, (await h.blob(disk).createSnapshot()).snapshot ?? "");
  points.push(run.restorePoint);
  return run.restorePoint;
}

async function disksNow(): Promise<string[]> {
  const names: string[] = [];
  for await (const d of h.arm.client.disks.listByResourceGroup(h.arm.resourceGroup))
    names.push(`${d.name} ${d.diskState}`);
  return names.sort();
}

async function restore(body: Record<string, unknown>, runId: string) {
  const admitted = await admitRestore(h.ctx, body);
  if (!admitted.ok) throw new Error(`${admitted.error.code}: ${admitted.error.message}`);
  return runRestoreDirect(h.ctx, admitted.value.input, runId, { retryDelayScale: 0.01 });
}

beforeAll(async () => {
  const container = uniqueName("mdpagetgt");
  const emuPage = testEmulator();
  await emuPage.blobService("devstoreaccount1").getContainerClient(container).create();
  pageTargets = `${emuPage.blobEndpoint("devstoreaccount1")}/${container}`;
  h = await createManagedHarness("mdrs", { env: { RESTORE_TARGETS: pageTargets } });
  await h.createDisk("src", 1, { osType: "Linux", hyperVGeneration: "V2" });
  await write("src", 0, 2 * MiB);
  await write("src", 300 * MiB, MiB + 512);
  await backupAndRemember("src");
  await write("src", MiB, 4096);
  await h.blob("src").clearPages(300 * MiB, MiB);
  await backupAndRemember("src");
  await write("src", 1000 * MiB, 3 * MiB);
  await backupAndRemember("src");
});
afterAll(async () => {
  await h?.cleanup();
});

describe("restores of a managed disk", () => {
  it("restores every restore point to a new managed disk and to a page blob, byte for byte", async () => {
    const source = h.disk("src");
    expect(points.map((p) => p.kind)).toEqual(["full", "incremental", "incremental"]);
    for (const [i, point] of points.entries()) {
      const was = h.blob("src").withSnapshot(sourceAt.get(point.restorePointId) ?? "");
      // To a managed disk: the default is a new disk next to the source.
      const out = await restore({ diskId: source.id, restorePointId: point.restorePointId }, `mdr-${i}`);
      const name = `src-restore-${point.restorePointId}`;
      expect(out.restoredDiskUrl).toBe(`${source.ref.id.replace(/disks\/src$/, "disks/")}${name}`);
      const disk: Disk = await h.arm.client.disks.get(h.arm.resourceGroup, name);
      expect(disk).toMatchObject({
        diskState: "Unattached",
        diskSizeBytes: GIB,
        osType: "Linux",
        hyperVGeneration: "V2",
      });
      expect(disk.tags?.restorerun).toBeUndefined();
      const same = await sameSparseBytes(h.blob(name), was, GIB);
      expect(same.same, same.why).toBe(true);
      const footer = await h.blob(name).downloadToBuffer(GIB, 512);
      expect(footerProblemOf(footer, GIB)).toBeUndefined();
      // The method recorded is the managed disk's (through the upload SAS, footer included).
      expect(out.verification).toMatchObject({ verified: true, method: DISK_VERIFY_METHOD });
      const chain = await h.ctx.lineage.list(out.diskId);
      expect(chain).toHaveLength(1);
      expect(chain[0]).toMatchObject({
        kind: "restored",
        status: "completed",
        parentRestorePointId: point.restorePointId,
        sourceKind: "managedDisk",
        sourceResourceId: disk.id,
        sourceUniqueId: disk.uniqueId,
        diskSizeBytes: GIB,
      });
      // To a page blob (RESTORE_TARGETS): the whole image, the source's own footer included.
      const blobUrl = `${pageTargets}/restored-${i}.vhd`;
      const toBlob = await restore(
        { diskId: source.id, restorePointId: point.restorePointId, targetUrl: blobUrl },
        `mdp-${i}`,
      );
      expect(toBlob.restoredDiskUrl).toBe(blobUrl);
      const blob = h.emu
        .blobService("devstoreaccount1")
        .getContainerClient(pageTargets.split("/").at(-1) ?? "")
        .getPageBlobClient(`restored-${i}.vhd`);
      const sameBlob = await sameSparseBytes(blob, was);
      expect(sameBlob.same, sameBlob.why).toBe(true);
    }
    // The restore's upload SAS and snapshot SAS are all gone.
    for await (const s of h.arm.client.snapshots.listByResourceGroup(h.arm.resourceGroup))
      expect(s.diskState).toBe("Unattached");
  });

  it("continues the chain of a restored disk: its next backup is incremental", async () => {
    const point = points[1] as RestorePoint;
    const name = `src-restore-${point.restorePointId}`;
    const restoredPoint = (await h.ctx.lineage.list(h.disk(name).id))[0] as RestorePoint;
    await write(name, 5 * MiB, 8192);
    const next = await h.backup(name);
    expect(next.restorePoint, next.restorePoint.reason ?? "").toMatchObject({
      status: "completed",
      kind: "incremental",
      parentRestorePointId: restoredPoint.restorePointId,
      changedBytes: 8192,
    });
    const name2 = decodeURIComponent(
      new URL(next.restorePoint.backupUrl).pathname.split("/").slice(3).join("/"),
    );
    const same = await sameSparseBytes(
      h.blob(name),
      h.backups.getPageBlobClient(name2).withSnapshot(next.restorePoint.backupSnapshot),
    );
    expect(same.same, same.why).toBe(true);
  });

  it("refuses, changing nothing: unconfigured groups, existing or attached disks, overwrite, bad names", async () => {
    const diskId = h.disk("src").id;
    const restorePointId = (points[0] as RestorePoint).restorePointId;
    await h.createDisk("taken", 1);
    await h.createDisk("inuse", 1);
    await h.arm.standIn.setAttachment(
      h.disk("inuse").ref.id,
      "/subscriptions/x/resourceGroups/vms/providers/Microsoft.Compute/virtualMachines/vm1",
    );
    const before = await disksNow();
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ targetDisk: { resourceGroup: "elsewhere-rg", name: "x" } }, 400, "TargetNotAllowed"],
      [{ targetDisk: { resourceGroup: h.arm.resourceGroup, name: "taken" } }, 409, "TargetExists"],
      [
        { targetDisk: { resourceGroup: h.arm.resourceGroup, name: "taken" }, overwrite: true },
        409,
        "TargetExists",
      ],
      [
        { targetDisk: { resourceGroup: h.arm.resourceGroup, name: "inuse" }, overwrite: true },
        409,
        "TargetAttached",
      ],
      [{ targetDisk: { resourceGroup: h.arm.resourceGroup, name: "bad/name" } }, 400, "InvalidRequest"],
      [
        { targetDisk: { resourceGroup: h.arm.resourceGroup, name: "ok", sku: "Floppy" } },
        400,
        "InvalidRequest",
      ],
      [
        { targetDisk: { resourceGroup: h.arm.resourceGroup, name: "ok" }, targetUrl: `${pageTargets}/x.vhd` },
        400,
        "InvalidRequest",
      ],
    ];
    for (const [extra, status, code] of cases) {
      const admitted = await admitRestore(h.ctx, { diskId, restorePointId, ...extra });
      expect(admitted.ok).toBe(false);
      if (!admitted.ok)
        expect([JSON.stringify(extra), admitted.error.status, admitted.error.code]).toEqual([
          JSON.stringify(extra),
          status,
          code,
        ]);
    }
    expect(await disksNow()).toEqual(before);
  });

  it("removes the disk a failed restore created, and records why", async () => {
    const diskId = h.disk("src").id;
    const point = points[2] as RestorePoint;
    const scope = `/devdiskaccount/${h.arm.containers.disks}`;
    await h.emu.control.setFaults(
      [{ operations: ["putPageFromUrl"], pathPrefix: scope, rate: 1, kind: "permissionDenied" }],
      1,
      scope,
    );
    const before = await disksNow();
    await expect(
      restore(
        {
          diskId,
          restorePointId: point.restorePointId,
          targetDisk: { resourceGroup: h.arm.resourceGroup, name: "willfail" },
        },
        "mdfail",
      ),
    ).rejects.toThrow(/failed/);
    await h.emu.control.setFaults([], 1, scope);
    expect(await disksNow()).toEqual(before);
    const failed = (await h.ctx.lineage.list(h.disk("willfail").id))[0];
    expect(failed).toMatchObject({ status: "failed", kind: "restored" });
    expect(failed?.reason).toMatch(/AuthorizationPermissionMismatch|403/);
  });
});

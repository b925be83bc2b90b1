// End to end through the local Functions runtime and its HTTP API with managed disks (the Resource Manager
// stand-in beside the storage emulator): GET /api/disks shows the disk as a managed disk, POST
// /api/backups backs it up (full, then incremental), POST /api/restores restores each point to a new
// managed disk (by default next to the source, or a named targetDisk) and to a page blob, byte for byte;
// refusals are 4xx and create nothing; the restored disk's next backup is incremental.
import { randomBytes } from "node:crypto";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningHost, startLocalHost } from "../../local/host/index";
import { footerProblemOf } from "../../src/compute/vhd";
import { POLL, type StandInHarness, startHarness } from "../arm/harness";
import { sameSparseBytes } from "../integration/support/managed";
import { testEmulator, uniqueName } from "../support/emulator";

const root = path.resolve(__dirname, "../..");
const MiB = 1024 * 1024;
const GIB = 1024 * MiB;

interface Status {
  runtimeStatus: string;
  output: unknown;
}
interface Point {
  restorePointId: string;
  diskId: string;
  kind: string;
  parentRestorePointId: string | null;
  changedBytes: number;
  sourceKind?: string;
}

async function call(url: string, method = "GET", body?: unknown) {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    json: (text ? JSON.parse(text) : undefined) as Record<string, unknown> | undefined,
  };
}

async function finish(statusUrl: string): Promise<Status> {
  for (let i = 0; i < 1200; i++) {
    const status = (await call(statusUrl)).json as unknown as Status;
    if (["Completed", "Failed", "Terminated"].includes(status.runtimeStatus)) return status;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`instance at ${statusUrl} did not finish`);
}

describe("managed disks through the HTTP API (local runtime)", () => {
  const emu = testEmulator();
  const backupName = uniqueName("e2emdbak");
  const pageName = uniqueName("e2emdpage");
  let arm: StandInHarness;
  let host: RunningHost;
  let api = "";
  let group = "";

  const blob = (disk: string) => arm.diskBlob(disk);
  const diskUrl = (disk: string) => `${group}/providers/Microsoft.Compute/disks/${disk}`;

  async function backup(diskId: string): Promise<Point> {
    const started = await call(`${api}/backups`, "POST", { disks: [diskId] });
    expect(started.status).toBe(202);
    const status = await finish(String(started.json?.statusQueryGetUri));
    const disk = (status.output as { disks: Array<{ status: string; restorePoint: Point; reason?: string }> })
      .disks[0]!;
    expect(disk.status, disk.reason).toBe("completed");
    return disk.restorePoint;
  }

  async function restore(body: Record<string, unknown>) {
    const started = await call(`${api}/restores`, "POST", body);
    expect(started.status, JSON.stringify(started.json)).toBe(202);
    const status = await finish(String(started.json?.statusQueryGetUri));
    expect(status.runtimeStatus, JSON.stringify(status.output)).toBe("Completed");
    return status.output as { restoredDiskUrl: string; diskId: string; restorePointId: string };
  }

  beforeAll(async () => {
    arm = await startHarness();
    group = `/subscriptions/${arm.standIn.subscriptionId}/resourceGroups/${arm.resourceGroup}`;
    await emu.blobService("devstoreaccount1").getContainerClient(pageName).create();
    host = await startLocalHost({
      appRoot: root,
      port: 0,
      settings: {
        BACKUP_SOURCES: group,
        BACKUP_TARGET: `${emu.blobEndpoint("devbackupaccount")}/${backupName}`,
        LINEAGE_TABLE: `${emu.tableEndpoint("devbackupaccount")}/${uniqueName("e2emdlin")}`,
        RESTORE_TARGETS: `${emu.blobEndpoint("devstoreaccount1")}/${pageName}`,
        STORAGE_ACCOUNT_KEYS: emu.storageAccountKeys,
        ARM_ENDPOINT: arm.standIn.url,
        ARM_CA_CERT_FILE: arm.standIn.certPath,
        DURABLE_TASK_HUB_NAME: "managede2e",
        BACKUP_SCHEDULE: "0 0 0 1 1 *",
        VERIFY_PERCENT: "100",
      },
      durableStore: { kind: "memory" },
      log: () => {},
    });
    api = `${host.baseUrl}/api`;
  });
  afterAll(async () => {
    await host?.stop();
    await arm?.close();
    await emu.blobService("devbackupaccount").getContainerClient(backupName).deleteIfExists();
    await emu.blobService("devstoreaccount1").getContainerClient(pageName).deleteIfExists();
  });

  it("lists, backs up and restores a managed disk to managed disks and to a page blob, byte for byte", async () => {
    await arm.client.disks.beginCreateOrUpdateAndWait(
      arm.resourceGroup,
      "vmdisk",
      {
        location: "local",
        diskSizeGB: 1,
        sku: { name: "Premium_LRS" },
        creationData: { createOption: "Empty" },
      },
      POLL,
    );
    await blob("vmdisk").uploadPages(randomBytes(3 * MiB), 4 * MiB, 3 * MiB);
    const listed = await call(`${api}/disks`);
    const disks = (
      listed.json as { disks: Array<{ id: string; kind: string; resourceId?: string; sourceUrl: string }> }
    ).disks;
    expect(disks).toHaveLength(1);
    expect(disks[0]).toMatchObject({
      kind: "managedDisk",
      resourceId: diskUrl("vmdisk"),
      sourceUrl: diskUrl("vmdisk"),
    });
    const diskId = disks[0]!.id;

    const p1 = await backup(diskId);
    expect(p1).toMatchObject({ kind: "full", sourceKind: "managedDisk" });
    const at1 = (await blob("vmdisk").createSnapshot()).snapshot ?? "";
    await blob("vmdisk").uploadPages(randomBytes(8192), 100 * MiB, 8192);
    await blob("vmdisk").clearPages(5 * MiB, MiB);
    const p2 = await backup(diskId);
    expect(p2).toMatchObject({
      kind: "incremental",
      parentRestorePointId: p1.restorePointId,
      changedBytes: 8192,
    });
    const at2 = (await blob("vmdisk").createSnapshot()).snapshot ?? "";

    // The default: a new disk next to the source.
    const r1 = await restore({ diskId, restorePointId: p1.restorePointId });
    const name1 = `vmdisk-restore-${p1.restorePointId}`;
    expect(r1.restoredDiskUrl).toBe(diskUrl(name1));
    const same1 = await sameSparseBytes(blob(name1), blob("vmdisk").withSnapshot(at1), GIB);
    expect(same1.same, same1.why).toBe(true);
    expect(footerProblemOf(await blob(name1).downloadToBuffer(GIB, 512), GIB)).toBeUndefined();
    // A named disk with another sku.
    const r2 = await restore({
      diskId,
      restorePointId: p2.restorePointId,
      targetDisk: { resourceGroup: arm.resourceGroup, name: "fromapi", sku: "StandardSSD_LRS" },
    });
    expect(r2.restoredDiskUrl).toBe(diskUrl("fromapi"));
    expect((await arm.client.disks.get(arm.resourceGroup, "fromapi")).sku?.name).toBe("StandardSSD_LRS");
    const same2 = await sameSparseBytes(blob("fromapi"), blob("vmdisk").withSnapshot(at2), GIB);
    expect(same2.same, same2.why).toBe(true);
    // A page blob.
    const pageUrl = `${emu.blobEndpoint("devstoreaccount1")}/${pageName}/vmdisk.vhd`;
    const r3 = await restore({ diskId, restorePointId: p2.restorePointId, targetUrl: pageUrl });
    expect(r3.restoredDiskUrl).toBe(pageUrl);
    const page = emu
      .blobService("devstoreaccount1")
      .getContainerClient(pageName)
      .getPageBlobClient("vmdisk.vhd");
    const same3 = await sameSparseBytes(page, blob("vmdisk").withSnapshot(at2));
    expect(same3.same, same3.why).toBe(true);

    // The restored disks are disks of the group now; the next backup of one continues its chain.
    const after = (await call(`${api}/disks`)).json as { disks: Array<{ id: string; resourceId?: string }> };
    const restored = after.disks.find((d) => d.resourceId === diskUrl("fromapi"));
    expect(restored?.id).toBe(r2.diskId);
    await blob("fromapi").uploadPages(randomBytes(4096), 0, 4096);
    const next = await backup(r2.diskId);
    expect(next).toMatchObject({
      kind: "incremental",
      parentRestorePointId: r2.restorePointId,
      changedBytes: 4096,
    });
  });

  it("refuses bad managed-disk targets with 4xx and creates nothing", async () => {
    const diskId = (
      (await call(`${api}/disks`)).json as { disks: Array<{ id: string; resourceId?: string }> }
    ).disks.find((d) => d.resourceId === diskUrl("vmdisk"))!.id;
    const points = (await call(`${api}/disks/${diskId}/restore-points`)).json as { restorePoints: Point[] };
    const restorePointId = points.restorePoints[0]!.restorePointId;
    const names = async () => {
      const found: string[] = [];
      for await (const d of arm.client.disks.listByResourceGroup(arm.resourceGroup)) found.push(d.name ?? "");
      return found.sort();
    };
    const before = await names();
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ targetDisk: { resourceGroup: "not-configured", name: "x" } }, 400, "TargetNotAllowed"],
      [{ targetDisk: { resourceGroup: arm.resourceGroup, name: "fromapi" } }, 409, "TargetExists"],
      [{ targetDisk: { resourceGroup: arm.resourceGroup, name: "x", color: "red" } }, 400, "InvalidRequest"],
      [{ targetDisk: { resourceGroup: arm.resourceGroup, name: "x/../y" } }, 400, "InvalidRequest"],
    ];
    for (const [extra, status, code] of cases) {
      const response = await call(`${api}/restores`, "POST", { diskId, restorePointId, ...extra });
      expect([response.status, (response.json?.error as { code?: string })?.code]).toEqual([status, code]);
    }
    expect(await names()).toEqual(before);
  });
});

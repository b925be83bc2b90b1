// End to end through the local Functions runtime: retention after each backup (RETENTION=last=2), the
// dry run, holds, POST /api/retention (dry run and real), a point a running restore reads kept (the
// durable client lists the restore), POST /api/verifications, sizes and coverage in GET /api/disks, and
// refusals (400/404/409) that change nothing.
import path from "node:path";
import type { ContainerClient } from "@azure/storage-blob";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningHost, startLocalHost } from "../../local/host/index";
import { MiB, writeRandom } from "../integration/support/harness";
import { testEmulator, uniqueName } from "../support/emulator";

const root = path.resolve(__dirname, "../..");

interface Status {
  runtimeStatus: string;
  customStatus: unknown;
  output: unknown;
}
interface Point {
  restorePointId: string;
  diskId: string;
  status: string;
  hold?: boolean;
  backupSnapshot: string;
}
/** The parts of response bodies the test reads. */
interface Body {
  statusQueryGetUri?: string;
  error?: { code: string };
  restorePoint?: Point;
  restorePoints?: Array<Point & { rules: string[]; action: string; changedBytes: number }>;
  disks?: Array<Record<string, unknown> & { id: string }>;
}
interface DiskOutcome {
  status: string;
  reason?: string;
  restorePoint: Point;
  verification: { status: string; record?: { coverage: number; pass: number; mismatches: number } };
  retention: { status: string; deleted: string[]; policy: string };
}

async function call(url: string, method = "GET", body?: unknown) {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: (text ? JSON.parse(text) : undefined) as Body | undefined };
}

async function finish(statusUrl: string): Promise<Status> {
  for (let i = 0; i < 1200; i++) {
    const status = (await call(statusUrl)).json as unknown as Status;
    if (["Completed", "Failed", "Terminated"].includes(status.runtimeStatus)) return status;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`instance at ${statusUrl} did not finish`);
}

describe("retention, holds and verification through the HTTP API (local runtime)", () => {
  const emu = testEmulator();
  const sourceName = uniqueName("e2elifesrc");
  const backupName = uniqueName("e2elifebak");
  const sourcePrefix = `/devstoreaccount1/${sourceName}`;
  let host: RunningHost;
  let sources: ContainerClient;
  let api = "";
  let diskId = "";

  async function backup(): Promise<DiskOutcome> {
    // Inside the allocated halves of both 4 MiB chunks, so each chunk holds half the allocated bytes.
    const offset = (Math.random() < 0.5 ? 0 : 4 * MiB) + Math.floor(Math.random() * 31) * 64 * 1024;
    await writeRandom(sources.getPageBlobClient("life.vhd"), offset, 64 * 1024);
    const started = await call(`${api}/backups`, "POST", { disks: [diskId] });
    expect(started.status).toBe(202);
    const status = await finish(String(started.json?.statusQueryGetUri));
    const disk = (status.output as { disks: DiskOutcome[] }).disks[0]!;
    expect(disk.status, disk.reason).toBe("completed");
    return disk;
  }

  const points = async () => (await call(`${api}/disks/${diskId}/restore-points`)).json?.restorePoints ?? [];
  const dryRun = async () => (await call(`${api}/disks/${diskId}/retention`)).json ?? {};
  const diskView = async () => (await call(`${api}/disks`)).json?.disks?.find((d) => d.id === diskId);

  beforeAll(async () => {
    sources = emu.blobService("devstoreaccount1").getContainerClient(sourceName);
    await sources.create();
    const blob = sources.getPageBlobClient("life.vhd");
    await blob.create(8 * MiB);
    await writeRandom(blob, 0, 2 * MiB);
    await writeRandom(blob, 4 * MiB, 2 * MiB);
    host = await startLocalHost({
      appRoot: root,
      port: 0,
      settings: {
        BACKUP_SOURCES: `${emu.blobEndpoint("devstoreaccount1")}/${sourceName}`,
        BACKUP_TARGET: `${emu.blobEndpoint("devbackupaccount")}/${backupName}`,
        LINEAGE_TABLE: `${emu.tableEndpoint("devbackupaccount")}/${uniqueName("e2elifelin")}`,
        STORAGE_ACCOUNT_KEYS: emu.storageAccountKeys,
        DURABLE_TASK_HUB_NAME: "lifecyclee2e",
        BACKUP_SCHEDULE: "0 0 0 1 1 *",
        RETENTION: "last=2",
        VERIFY_PERCENT: "50",
      },
      durableStore: { kind: "memory" },
      log: () => {},
    });
    api = `${host.baseUrl}/api`;
    diskId = (await call(`${api}/disks`)).json?.disks?.[0]?.id ?? "";
  });
  afterAll(async () => {
    await emu.control.setFaults([]);
    await host?.stop();
    await sources?.deleteIfExists();
    await emu.blobService("devbackupaccount").getContainerClient(backupName).deleteIfExists();
  });

  it("reports the policy in force and sizes before and after backups", async () => {
    const before = await diskView();
    expect(before).toMatchObject({
      retention: "last=2",
      restorePointCount: 0,
      restorePointBytes: 0,
      verification: null,
    });
    const first = await backup();
    expect(first.verification).toMatchObject({
      status: "verified",
      record: { pass: 1, coverage: 0.5, mismatches: 0 },
    });
    expect(first.retention).toMatchObject({ status: "completed", policy: "last=2", deleted: [] });
    const second = await backup();
    expect(second.verification.record).toMatchObject({ pass: 1, coverage: 1 });
    const third = await backup();
    expect(third.verification.record).toMatchObject({ pass: 2, coverage: 0.5 });
    expect(third.retention.deleted).toEqual([first.restorePoint.restorePointId]);
    const listed = await points();
    expect(listed.map((p) => p.restorePointId)).toEqual(
      [third, second].map((d) => d.restorePoint.restorePointId),
    );

    const disk = await diskView();
    expect(disk).toMatchObject({
      retention: "last=2",
      restorePointCount: 2,
      suspectRestorePoints: 0,
      verification: {
        restorePointId: third.restorePoint.restorePointId,
        pass: 2,
        coverage: 0.5,
        mode: "rolling",
      },
    });
    expect(disk?.restorePointBytes).toBe(listed.reduce((s, p) => s + p.changedBytes, 0));
    expect(disk?.backupAllocatedBytes).toBeGreaterThanOrEqual(4 * MiB);
  });

  it("holds a point against the policy, shows it in the dry run, and lets it go when released", async () => {
    const [, older] = await points();
    const held = await call(`${api}/disks/${diskId}/restore-points/${older!.restorePointId}/hold`, "PUT");
    expect(held.status).toBe(200);
    expect(held.json?.restorePoint).toMatchObject({ restorePointId: older!.restorePointId, hold: true });
    const next = await backup();
    expect(next.retention.deleted).toEqual([]);
    const view = await dryRun();
    expect(view).toMatchObject({ diskId, dryRun: true, policy: "last=2", restoresKnown: true });
    expect(view.restorePoints?.map((p) => [p.rules, p.action])).toEqual([
      [["newest", "last"], "keep"],
      [["last"], "keep"],
      [["hold"], "keep"],
    ]);

    const released = await call(
      `${api}/disks/${diskId}/restore-points/${older!.restorePointId}/hold`,
      "DELETE",
    );
    expect(released.status).toBe(200);
    expect(released.json?.restorePoint?.hold).toBeUndefined();
    const dry = await call(`${api}/retention`, "POST", { dryRun: true });
    expect(dry.status).toBe(202);
    const dryDone = await finish(String(dry.json?.statusQueryGetUri));
    expect(dryDone.output).toMatchObject({
      dryRun: true,
      disks: [{ diskId, deleted: [older!.restorePointId] }],
    });
    expect(await points()).toHaveLength(3);
    const real = await call(`${api}/retention`, "POST", { disks: [diskId] });
    const done = await finish(String(real.json?.statusQueryGetUri));
    expect(done.output).toMatchObject({
      dryRun: false,
      disks: [{ diskId, status: "completed", deleted: [older!.restorePointId] }],
    });
    expect(await points()).toHaveLength(2);
  });

  it("keeps a point that a running restore reads (from the durable client's list of running restores)", async () => {
    const [, older] = await points();
    await call(`${api}/disks/${diskId}/restore-points/${older!.restorePointId}/hold`, "PUT");
    await backup(); // `older` is now kept by its hold only
    await emu.control.setFaults([
      { pathPrefix: sourcePrefix, operations: ["putPageFromUrl"], rate: 1, kind: "latency", latencyMs: 5000 },
    ]);
    const restore = await call(`${api}/restores`, "POST", { diskId, restorePointId: older!.restorePointId });
    expect(restore.status).toBe(202);
    try {
      await call(`${api}/disks/${diskId}/restore-points/${older!.restorePointId}/hold`, "DELETE");
      let rules: string[] = [];
      for (let i = 0; i < 50 && !rules.includes("restoring"); i++) {
        const view = await dryRun();
        rules = view.restorePoints?.find((p) => p.restorePointId === older!.restorePointId)?.rules ?? [];
        if (!rules.includes("restoring")) await new Promise((r) => setTimeout(r, 100));
      }
      expect(rules).toEqual(["restoring"]);
      const during = await call(`${api}/retention`, "POST", {});
      const duringDone = await finish(String(during.json?.statusQueryGetUri));
      const outcome = (duringDone.output as { disks: Array<{ diskId: string; deleted: string[] }> }).disks;
      expect(outcome.find((d) => d.diskId === diskId)?.deleted).toEqual([]);
    } finally {
      await emu.control.setFaults([]);
    }
    const restored = await finish(String(restore.json?.statusQueryGetUri));
    expect(restored.runtimeStatus).toBe("Completed");
    const after = await call(`${api}/retention`, "POST", { disks: [diskId] });
    const afterDone = await finish(String(after.json?.statusQueryGetUri));
    expect(afterDone.output).toMatchObject({ disks: [{ diskId, deleted: [older!.restorePointId] }] });
  });

  it("verifies the newest restore point completely on demand", async () => {
    const [newest] = await points();
    const started = await call(`${api}/verifications`, "POST", { diskId });
    expect(started.status).toBe(202);
    const done = await finish(String(started.json?.statusQueryGetUri));
    expect(done.runtimeStatus).toBe("Completed");
    expect(done.output).toMatchObject({
      diskId,
      restorePointId: newest!.restorePointId,
      status: "verified",
      record: { mode: "full", coverage: 1, passComplete: true, mismatches: 0 },
    });
    const disk = await diskView();
    expect(disk?.verification).toMatchObject({
      mode: "full",
      coverage: 1,
      restorePointId: newest!.restorePointId,
    });
  });

  it("refuses malformed or unknown requests, changing nothing", async () => {
    const before = await points();
    const cases: Array<[string, string, unknown, number, string]> = [
      ["GET", "/disks/nope-12345678/retention", undefined, 404, "DiskNotFound"],
      ["GET", "/disks/NOT_A_DISK/retention", undefined, 404, "DiskNotFound"],
      [
        "PUT",
        `/disks/${diskId}/restore-points/20200101T000000Z-deadbeef/hold`,
        undefined,
        404,
        "RestorePointNotFound",
      ],
      [
        "PUT",
        `/disks/nope-12345678/restore-points/20200101T000000Z-deadbeef/hold`,
        undefined,
        404,
        "DiskNotFound",
      ],
      ["PUT", `/disks/${diskId}/restore-points/bad%20id/hold`, undefined, 400, "InvalidRequest"],
      ["POST", "/retention", "{not json", 400, "InvalidJson"],
      ["POST", "/retention", { disks: "x" }, 400, "InvalidBody"],
      ["POST", "/retention", { dryRun: "yes" }, 400, "InvalidBody"],
      ["POST", "/retention", { everything: true }, 400, "InvalidBody"],
      ["POST", "/retention", { disks: ["nope-12345678"] }, 404, "DiskNotFound"],
      ["POST", "/verifications", {}, 400, "InvalidBody"],
      ["POST", "/verifications", { diskId: "nope-12345678" }, 404, "DiskNotFound"],
    ];
    for (const [method, route, body, status, code] of cases) {
      const response = await call(`${api}${route}`, method, body);
      expect([method, route, response.status, response.json?.error?.code]).toEqual([
        method,
        route,
        status,
        code,
      ]);
    }
    expect(await points()).toEqual(before);
  });
});

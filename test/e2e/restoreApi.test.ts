// End to end through the local Functions runtime and its HTTP API: back up a disk twice, restore each
// restore point with POST /api/restores and compare byte for byte; refused requests (400/404/409) change
// nothing; the restored disk is listed and its next backup through POST /api/backups is incremental.
import path from "node:path";
import type { ContainerClient } from "@azure/storage-blob";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningHost, startLocalHost } from "../../local/host/index";
import { diskIdOf } from "../../src/disks/identity";
import { requireBlobUrl } from "../../src/storage/urls";
import { contentOf, MiB, writeRandom } from "../integration/support/harness";
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
  kind: string;
  parentRestorePointId: string | null;
  changedBytes: number;
}

async function call(url: string, method = "GET", body?: unknown) {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    json: (text ? JSON.parse(text) : undefined) as Record<string, unknown> | undefined,
  };
}

/** Polls a check-status URL until the instance ends (bounded); records every custom status phase seen. */
async function finish(statusUrl: string, phases: Set<string> = new Set()): Promise<Status> {
  for (let i = 0; i < 1200; i++) {
    const status = (await call(statusUrl)).json as unknown as Status;
    const phase = (status.customStatus as { phase?: string } | null)?.phase;
    if (phase) phases.add(phase);
    if (["Completed", "Failed", "Terminated"].includes(status.runtimeStatus)) return status;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`instance at ${statusUrl} did not finish`);
}

describe("restores through the HTTP API (local runtime)", () => {
  const emu = testEmulator();
  const sourceName = uniqueName("e2erestsrc");
  const backupName = uniqueName("e2erestbak");
  let host: RunningHost;
  let sources: ContainerClient;
  let api = "";

  async function backup(diskId: string): Promise<Point> {
    const started = await call(`${api}/backups`, "POST", { disks: [diskId] });
    expect(started.status).toBe(202);
    const status = await finish(String(started.json?.statusQueryGetUri));
    const disk = (status.output as { disks: Array<{ status: string; restorePoint: Point; reason?: string }> })
      .disks[0]!;
    expect(disk.status, disk.reason).toBe("completed");
    return disk.restorePoint;
  }

  async function restore(body: unknown, phases?: Set<string>) {
    const started = await call(`${api}/restores`, "POST", body);
    expect(started.status, JSON.stringify(started.json)).toBe(202);
    expect(Object.keys(started.json ?? {})).toEqual(
      expect.arrayContaining(["id", "statusQueryGetUri", "terminatePostUri"]),
    );
    return finish(String(started.json?.statusQueryGetUri), phases);
  }

  async function storageState() {
    const names: string[] = [];
    for (const container of [sources, emu.blobService("devbackupaccount").getContainerClient(backupName)]) {
      for await (const b of container.listBlobsFlat({ includeSnapshots: true, includeMetadata: true })) {
        names.push(`${b.name}@${b.snapshot ?? ""} ${b.properties.etag} ${b.properties.leaseState}`);
      }
    }
    return names.sort();
  }

  beforeAll(async () => {
    sources = emu.blobService("devstoreaccount1").getContainerClient(sourceName);
    await sources.create();
    host = await startLocalHost({
      appRoot: root,
      port: 0,
      settings: {
        BACKUP_SOURCES: `${emu.blobEndpoint("devstoreaccount1")}/${sourceName}`,
        BACKUP_TARGET: `${emu.blobEndpoint("devbackupaccount")}/${backupName}`,
        LINEAGE_TABLE: `${emu.tableEndpoint("devbackupaccount")}/${uniqueName("e2erestlin")}`,
        STORAGE_ACCOUNT_KEYS: emu.storageAccountKeys,
        DURABLE_TASK_HUB_NAME: "restoree2e",
        // no scheduled backups during the test
        BACKUP_SCHEDULE: "0 0 0 1 1 *",
      },
      durableStore: { kind: "memory" },
      log: () => {},
    });
    api = `${host.baseUrl}/api`;
  });
  afterAll(async () => {
    await host?.stop();
    await sources?.deleteIfExists();
    await emu.blobService("devbackupaccount").getContainerClient(backupName).deleteIfExists();
  });

  it("restores each restore point, refuses bad requests untouched, and continues the chain", async () => {
    const blob = sources.getPageBlobClient("web.vhd");
    await blob.create(12 * MiB);
    await writeRandom(blob, 0, 2 * MiB);
    await writeRandom(blob, 7 * MiB, 3 * MiB);
    const disks = (await call(`${api}/disks`)).json as { disks: Array<{ id: string; sourceUrl: string }> };
    const diskId = disks.disks.find((d) => d.sourceUrl.endsWith("/web.vhd"))!.id;
    const first = await contentOf(blob);
    const rp1 = await backup(diskId);
    await blob.resize(16 * MiB);
    await writeRandom(blob, 14 * MiB, MiB);
    await blob.clearPages(7 * MiB, MiB);
    const second = await contentOf(blob);
    const rp2 = await backup(diskId);
    expect([rp1.kind, rp2.kind]).toEqual(["full", "incremental"]);

    const phases = new Set<string>();
    const done1 = await restore({ diskId, restorePointId: rp1.restorePointId }, phases);
    expect(done1.runtimeStatus).toBe("Completed");
    const out1 = done1.output as {
      restoredDiskUrl: string;
      restorePointId: string;
      diskId: string;
      verification: { verified: boolean };
    };
    expect(out1.restoredDiskUrl).toMatch(new RegExp(`/web-restore-${rp1.restorePointId}\\.vhd$`));
    expect(out1.verification.verified).toBe(true);
    expect([...phases]).toEqual(expect.arrayContaining(["copy", "verify"]));
    expect(
      (await contentOf(sources.getPageBlobClient(`web-restore-${rp1.restorePointId}.vhd`))).equals(first),
    ).toBe(true);

    // a point in time is the data's time: just after rp2's source snapshot (100 ns precision)
    const at = new Date(
      Date.parse(String((rp2 as unknown as { sourceSnapshot: string }).sourceSnapshot)) + 1,
    ).toISOString();
    const done2 = await restore({
      diskId,
      pointInTime: at,
      targetUrl: `${emu.blobEndpoint("devstoreaccount1")}/${sourceName}/second.vhd`,
    });
    expect(done2.runtimeStatus).toBe("Completed");
    expect((await contentOf(sources.getPageBlobClient("second.vhd"))).equals(second)).toBe(true);

    // refused requests: the documented error shape, and storage untouched
    const before = await storageState();
    const source = `${emu.blobEndpoint("devstoreaccount1")}/${sourceName}`;
    const rp = rp1.restorePointId;
    const refused: Array<[unknown, number, string]> = [
      ["{not json", 400, "InvalidJson"],
      [{ diskId }, 400, "InvalidRequest"],
      // what a hostile caller tried: an unknown host or account, the backup account outside its
      // container, names the service refuses, traversal in disguise, a bad escape, year 275760
      [
        { diskId, restorePointId: rp, targetUrl: "https://evil.example.com/vhds/x.vhd" },
        400,
        "TargetNotAllowed",
      ],
      [
        {
          diskId,
          restorePointId: rp,
          targetUrl: `${emu.blobEndpoint("devstoreaccount2")}/${sourceName}/x.vhd`,
        },
        400,
        "TargetNotAllowed",
      ],
      [
        { diskId, restorePointId: rp, targetUrl: `${emu.blobEndpoint("devbackupaccount")}/elsewhere/x.vhd` },
        400,
        "TargetInBackupAccount",
      ],
      [{ diskId, restorePointId: rp, targetUrl: `${source}/${"n".repeat(2000)}` }, 400, "InvalidRequest"],
      [{ diskId, restorePointId: rp, targetUrl: `${source}/a%00b.vhd` }, 400, "InvalidRequest"],
      [
        {
          diskId,
          restorePointId: rp,
          targetUrl: `${source}/..%2F..%2Fdevbackupaccount%2F${backupName}%2Fx.vhd`,
        },
        400,
        "InvalidRequest",
      ],
      [{ diskId, restorePointId: rp, targetUrl: `${source}/%ZZ.vhd` }, 400, "InvalidRequest"],
      [{ diskId, pointInTime: "+275760-09-13T00:00:00.000Z" }, 400, "InvalidRequest"],
      [{ diskId: "unknown-disk-00000000", restorePointId: rp1.restorePointId }, 404, "DiskNotFound"],
      [{ diskId, restorePointId: "20200101T000000Z-00000000" }, 404, "RestorePointNotFound"],
      [{ diskId, restorePointId: rp1.restorePointId }, 409, "TargetExists"],
    ];
    const counted = async () => {
      const prefixes = [
        `/devstoreaccount1/${sourceName}`,
        `/devbackupaccount/${backupName}`,
        "/devstoreaccount2",
      ];
      const all = await Promise.all(prefixes.map((p) => emu.control.getStats(p)));
      return all.map((st) => Object.values(st.operations).reduce((n, op) => n + op.requests, 0));
    };
    for (const [body, status, code] of refused) {
      const requestsBefore = await counted();
      const response = await call(`${api}/restores`, "POST", body);
      const error = response.json?.error as { code?: string; message?: string } | undefined;
      expect({ status: response.status, code: error?.code }, JSON.stringify(body).slice(0, 200)).toEqual({
        status,
        code,
      });
      expect(error?.message?.length ?? 0).toBeGreaterThan(10);
      // a 400 is decided before any storage request (404/409 read the lineage or the target)
      if (status === 400) expect(await counted(), JSON.stringify(body).slice(0, 200)).toEqual(requestsBefore);
    }
    await sources.getPageBlobClient("second.vhd").getBlobLeaseClient().acquireLease(-1);
    const leasedBefore = await storageState();
    const leased = await call(`${api}/restores`, "POST", {
      diskId,
      restorePointId: rp1.restorePointId,
      targetUrl: `${emu.blobEndpoint("devstoreaccount1")}/${sourceName}/second.vhd`,
      overwrite: true,
    });
    expect(leased.status).toBe(409);
    expect(String((leased.json?.error as { message?: string })?.message)).toMatch(/lease/);
    expect(await storageState()).toEqual(leasedBefore);
    expect(leasedBefore.filter((l) => !l.startsWith("second.vhd@ "))).toEqual(
      before.filter((l) => !l.startsWith("second.vhd@ ")),
    );

    // the restored disk is listed, and its next backup is incremental from the restored point
    const listed = (await call(`${api}/disks`)).json as {
      disks: Array<{ id: string; lastRestorePoint: { kind: string } | null }>;
    };
    expect(listed.disks.find((d) => d.id === out1.diskId)?.lastRestorePoint?.kind).toBe("restored");
    const chain = (await call(`${api}/disks/${out1.diskId}/restore-points`)).json as {
      restorePoints: Array<{ kind: string; verification?: string }>;
    };
    expect(chain.restorePoints).toHaveLength(1);
    expect(JSON.parse(chain.restorePoints[0]?.verification ?? "{}")).toMatchObject({ verified: true });
    const restored = sources.getPageBlobClient(`web-restore-${rp1.restorePointId}.vhd`);
    await writeRandom(restored, 3 * MiB, 8192);
    const expected = await contentOf(restored);
    const next = await backup(out1.diskId);
    expect(next).toMatchObject({
      kind: "incremental",
      parentRestorePointId: out1.restorePointId,
      changedBytes: 8192,
    });
    const done3 = await restore({
      diskId: out1.diskId,
      restorePointId: next.restorePointId,
      targetUrl: `${emu.blobEndpoint("devstoreaccount1")}/${sourceName}/third.vhd`,
    });
    expect(done3.runtimeStatus).toBe("Completed");
    expect((await contentOf(sources.getPageBlobClient("third.vhd"))).equals(expected)).toBe(true);

    // a restore point whose backup snapshot was deleted outside the app is refused, writing nothing
    const backups = emu.blobService("devbackupaccount").getContainerClient(backupName);
    const rp1Point = rp1 as unknown as { backupUrl: string; backupSnapshot: string };
    const backupBlob = decodeURIComponent(new URL(rp1Point.backupUrl).pathname.split("/").slice(3).join("/"));
    await backups.getPageBlobClient(backupBlob).withSnapshot(rp1Point.backupSnapshot).delete();
    const lost = await call(`${api}/restores`, "POST", {
      diskId,
      restorePointId: rp1.restorePointId,
      targetUrl: `${emu.blobEndpoint("devstoreaccount1")}/${sourceName}/lost.vhd`,
    });
    expect(lost.status).toBe(404);
    expect((lost.json?.error as { code?: string } | undefined)?.code).toBe("RestorePointDataMissing");
    expect(await sources.getPageBlobClient("lost.vhd").exists()).toBe(false);
  });

  it("backs up the other disks of a run when odd blobs sit in the source container, saying why each is skipped", async () => {
    // a half-written restore target (what a failed restore leaves where the role may not delete) and a
    // name at the service's limit, whose backup blob name would be over it
    await sources
      .getPageBlobClient("half.vhd")
      .create(MiB, { metadata: { restorerun: "20250101T000000Z-0000dead" } });
    const longName = "l".repeat(1024);
    await sources.getPageBlobClient(longName).create(MiB);
    const disks = (await call(`${api}/disks`)).json as { disks: Array<{ id: string; sourceUrl: string }> };
    const web = disks.disks.find((d) => d.sourceUrl.endsWith("/web.vhd"))!.id;
    expect(disks.disks.map((d) => d.sourceUrl)).not.toContainEqual(
      expect.stringMatching(/half\.vhd$|\/l{1024}$/),
    );
    const ids = ["half.vhd", longName].map((name) => diskIdOf(requireBlobUrl(`${sources.url}/${name}`)));
    const started = await call(`${api}/backups`, "POST", { disks: [web, ...ids] });
    expect(started.status, JSON.stringify(started.json)).toBe(202);
    const status = await finish(String(started.json?.statusQueryGetUri));
    expect(status.runtimeStatus).toBe("Completed");
    const outcomes = (status.output as { disks: Array<{ diskId: string; status: string; reason?: string }> })
      .disks;
    const byId = Object.fromEntries(outcomes.map((o) => [o.diskId, o]));
    expect(byId[web]?.status).toBe("completed");
    expect(byId[ids[0]!]).toMatchObject({
      status: "skipped",
      reason: expect.stringMatching(/has not completed/),
    });
    expect(byId[ids[1]!]).toMatchObject({ status: "skipped", reason: expect.stringMatching(/1024/) });
  });
});

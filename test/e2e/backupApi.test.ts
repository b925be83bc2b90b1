// End to end through the local Functions runtime: the real HTTP API, the real durable-functions replay
// of backupRun/backupDisk, the storage emulator. Full then incremental backups, byte-for-byte checks,
// 400/404 with nothing started, a disk already being backed up reported skipped, the timer singleton.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningHost } from "../../local/host/index";
import { contentOf, MiB, writeRandom } from "../integration/support/harness";
import { testEmulator, uniqueName } from "../support/emulator";
import { startApp } from "./support/appHost";

const emu = testEmulator();
const sourceContainer = uniqueName("e2esrc");
const backupContainer = uniqueName("e2ebak");
const sources = emu.blobService("devstoreaccount1").getContainerClient(sourceContainer);
const backups = emu.blobService("devbackupaccount").getContainerClient(backupContainer);
const backupPrefix = `/devbackupaccount/${backupContainer}`;

interface Status {
  runtimeStatus: string;
  customStatus: Record<string, unknown> | null;
  output: { disks: Array<Record<string, unknown> & { diskId: string; status: string }> } | null;
}

async function call(url: string, init: RequestInit = {}) {
  const response = await fetch(url, init);
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

async function waitFor(statusUrl: string, seen: Array<Record<string, unknown>> = []): Promise<Status> {
  for (let i = 0; i < 600; i++) {
    const { body } = await call(statusUrl);
    const status = body as unknown as Status;
    if (status.customStatus) seen.push(status.customStatus);
    if (["Completed", "Failed", "Terminated"].includes(status.runtimeStatus)) return status;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${statusUrl} did not finish`);
}

function backupBlob(point: Record<string, unknown>) {
  const name = decodeURIComponent(new URL(String(point.backupUrl)).pathname.split("/").slice(3).join("/"));
  return backups.getPageBlobClient(name).withSnapshot(String(point.backupSnapshot));
}

describe("backups through the local Functions runtime", () => {
  let host: RunningHost;
  const logs: string[] = [];
  let api = "";

  beforeAll(async () => {
    await sources.create();
    for (const [name, size] of [
      ["alpha.vhd", 16 * MiB],
      ["beta.vhd", 8 * MiB],
    ] as const) {
      const blob = sources.getPageBlobClient(name);
      await blob.create(size);
      await writeRandom(blob, MiB, 3 * MiB);
      await writeRandom(blob, size - MiB, 512 * 4);
    }
    ({ host } = await startApp({ hub: "backupe2e", sourceContainer, backupContainer, logs }));
    api = `${host.baseUrl}/api`;
  });

  afterAll(async () => {
    await emu.control.setFaults([]);
    await host?.stop();
    await sources.deleteIfExists();
    await backups.deleteIfExists();
  });

  it("rejects malformed requests and unknown disks without starting anything", async () => {
    const bad = await call(`${api}/backups`, { method: "POST", body: "{not json" });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: "InvalidJson" } });
    const wrongType = await call(`${api}/backups`, { method: "POST", body: JSON.stringify({ disks: "x" }) });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body).toMatchObject({ error: { code: "InvalidBody" } });
    const unknown = await call(`${api}/backups`, {
      method: "POST",
      body: JSON.stringify({ disks: ["nope-12345678"] }),
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: { code: "DiskNotFound" } });
    const points = await call(`${api}/disks/nope-12345678/restore-points`);
    expect(points.status).toBe(404);
    let snapshots = 0;
    for await (const b of sources.listBlobsFlat({ includeSnapshots: true })) if (b.snapshot) snapshots++;
    expect(snapshots).toBe(0);
  });

  it("backs up every disk, then only the changed bytes of one disk", async () => {
    const disks = await call(`${api}/disks`);
    expect(disks.status).toBe(200);
    const list = disks.body.disks as Array<{
      id: string;
      sourceUrl: string;
      backupUrl: string;
      lastRestorePoint: unknown;
    }>;
    expect(list.map((d) => d.sourceUrl.split("/").pop()).sort()).toEqual(["alpha.vhd", "beta.vhd"]);
    expect(list.every((d) => d.lastRestorePoint === null)).toBe(true);

    const started = await call(`${api}/backups`, { method: "POST", body: "" });
    expect(started.status).toBe(202);
    for (const key of [
      "id",
      "statusQueryGetUri",
      "sendEventPostUri",
      "terminatePostUri",
      "purgeHistoryDeleteUri",
    ]) {
      expect(started.body[key], key).toBeTruthy();
    }
    expect(started.headers.get("location")).toBe(started.body.statusQueryGetUri);
    const seen: Array<Record<string, unknown>> = [];
    const done = await waitFor(String(started.body.statusQueryGetUri), seen);
    expect(done.runtimeStatus).toBe("Completed");
    expect(done.output?.disks).toHaveLength(2);
    for (const disk of done.output?.disks ?? []) {
      expect(disk.status, JSON.stringify(disk)).toBe("completed");
      const point = disk.restorePoint as Record<string, unknown>;
      expect(point).toMatchObject({ kind: "full", status: "completed", runId: started.body.id });
      const name = String(point.sourceUrl).split("/").pop() ?? "";
      const source = await contentOf(
        sources.getPageBlobClient(name).withSnapshot(String(point.sourceSnapshot)),
      );
      expect((await contentOf(backupBlob(point))).equals(source)).toBe(true);
    }
    expect(seen.at(-1)).toMatchObject({ phase: "completed", bytesDone: 2 * (3 * MiB + 2048) });
    for (const s of seen)
      expect(Object.keys(s)).toEqual(
        expect.arrayContaining(["phase", "bytesTotal", "bytesDone", "batchesTotal", "batchesDone"]),
      );

    const alpha = list.find((d) => d.sourceUrl.endsWith("alpha.vhd"))!;
    const blob = sources.getPageBlobClient("alpha.vhd");
    await writeRandom(blob, 8 * MiB, MiB + 512);
    await blob.clearPages(MiB, MiB);
    await emu.control.resetStats(backupPrefix);
    const second = await call(`${api}/backups`, {
      method: "POST",
      body: JSON.stringify({ disks: [alpha.id] }),
    });
    expect(second.status).toBe(202);
    const done2 = await waitFor(String(second.body.statusQueryGetUri));
    expect(done2.output?.disks.map((d) => [d.diskId, d.status])).toEqual([[alpha.id, "completed"]]);
    const point = done2.output?.disks[0]?.restorePoint as Record<string, unknown>;
    expect(point).toMatchObject({ kind: "incremental", changedBytes: MiB + 512, clearedBytes: MiB });
    const stats = await emu.control.getStats(backupPrefix);
    expect(stats.operations.putPageFromUrl?.bytesIn).toBe(MiB + 512);
    const source = await contentOf(blob.withSnapshot(String(point.sourceSnapshot)));
    expect((await contentOf(backupBlob(point))).equals(source)).toBe(true);

    const points = await call(`${api}/disks/${alpha.id}/restore-points`);
    expect(points.status).toBe(200);
    const rps = points.body.restorePoints as Array<Record<string, unknown>>;
    expect(rps.map((p) => p.kind)).toEqual(["incremental", "full"]);
    for (const field of [
      "restorePointId",
      "diskId",
      "sourceUrl",
      "sourceSnapshot",
      "backupUrl",
      "backupSnapshot",
      "parentRestorePointId",
      "kind",
      "diskSizeBytes",
      "changedBytes",
      "clearedBytes",
      "rangeCount",
      "startedAt",
      "completedAt",
      "runId",
      "status",
      "reason",
    ]) {
      expect(rps[0], field).toHaveProperty(field);
    }
    const after = await call(`${api}/disks`);
    const alphaAfter = (
      after.body.disks as Array<{ id: string; lastRestorePoint: { restorePointId: string } }>
    ).find((d) => d.id === alpha.id);
    expect(alphaAfter?.lastRestorePoint.restorePointId).toBe(point.restorePointId);
  });

  it("reports a disk already being backed up as skipped", async () => {
    // Both disks change, so both hold their locks while their slowed copies run (a disk with nothing to
    // copy would end before the second run asks for it).
    for (const name of ["alpha.vhd", "beta.vhd"])
      await writeRandom(sources.getPageBlobClient(name), 0, 4 * MiB);
    await emu.control.setFaults([
      { pathPrefix: backupPrefix, operations: ["putPageFromUrl"], rate: 1, kind: "latency", latencyMs: 3000 },
    ]);
    const first = await call(`${api}/backups`, { method: "POST", body: "{}" });
    const statusUrl = String(first.body.statusQueryGetUri);
    for (let i = 0; i < 100; i++) {
      const { body } = await call(statusUrl);
      if ((body.customStatus as { phase?: string } | null)?.phase === "backing-up") break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const second = await call(`${api}/backups`, { method: "POST", body: "{}" });
    const done2 = await waitFor(String(second.body.statusQueryGetUri));
    await emu.control.setFaults([]);
    const done1 = await waitFor(statusUrl);
    expect(done1.output?.disks.every((d) => d.status === "completed")).toBe(true);
    expect(done2.output?.disks.every((d) => d.status === "skipped")).toBe(true);
    expect(done2.output?.disks).toHaveLength(2);
  });

  it("reports live progress from the disk backups while a long run is polled", async () => {
    await writeRandom(sources.getPageBlobClient("alpha.vhd"), 4 * MiB, 2 * MiB);
    await emu.control.setFaults([
      {
        pathPrefix: backupPrefix,
        operations: ["putPageFromUrl", "createSnapshot"],
        rate: 1,
        kind: "latency",
        latencyMs: 2500,
      },
    ]);
    try {
      const started = await call(`${api}/backups`, { method: "POST", body: "{}" });
      const seen: Array<Record<string, unknown>> = [];
      const done = await waitFor(String(started.body.statusQueryGetUri), seen);
      expect(done.runtimeStatus).toBe("Completed");
      expect(done.output?.disks.map((d) => d.status)).toEqual(["completed", "completed"]);
      const live = seen.filter((s) => s.phase === "backing-up" && Number(s.bytesTotal) > 0);
      expect(live.length).toBeGreaterThan(0);
      expect(seen.at(-1)).toMatchObject({ phase: "completed", bytesDone: 2 * MiB, bytesTotal: 2 * MiB });
    } finally {
      await emu.control.setFaults([]);
    }
  });

  it("runs the timer as a singleton: a tick while the scheduled run is busy skips", async () => {
    await emu.control.setFaults([
      { pathPrefix: backupPrefix, operations: ["createSnapshot"], rate: 1, kind: "latency", latencyMs: 1500 },
    ]);
    await writeRandom(sources.getPageBlobClient("alpha.vhd"), 0, 512);
    const tick1 = await fetch(`${host.baseUrl}/admin/functions/backupSchedule`, { method: "POST" });
    expect(tick1.status).toBe(202);
    const statusUrl = `${host.baseUrl}/runtime/webhooks/durabletask/instances/backup-run-scheduled`;
    for (let i = 0; i < 100; i++) {
      const res = await fetch(statusUrl);
      if (res.status !== 404) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const tick2 = await fetch(`${host.baseUrl}/admin/functions/backupSchedule`, { method: "POST" });
    expect(tick2.status).toBe(202);
    await emu.control.setFaults([]);
    const done = await waitFor(statusUrl);
    expect(done.runtimeStatus).toBe("Completed");
    for (let i = 0; i < 50 && !logs.some((l) => l.includes("scheduled backup skipped")); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(logs.some((l) => l.includes("scheduled backup skipped"))).toBe(true);
    expect(done.output?.disks.filter((d) => d.status === "completed")).toHaveLength(2);
  });
});

// GET /api/health and the structured step events through the local Functions runtime: 503 while a disk has
// no restore point, 200 once every disk is fresh, 503 with the failing disk and its reason after a failed
// backup; every step invocation logs exactly one StepEvent line (read back from the host's log) with the
// disk, restore point, run, bytes, duration and outcome. GET /api/runs lists the runs with their results.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningHost } from "../../local/host/index";
import { parseStepEvent, type StepEvent } from "../../src/app/stepEvents";
import { MiB, writeRandom } from "../integration/support/harness";
import { testEmulator, uniqueName } from "../support/emulator";
import { startApp } from "./support/appHost";

const emu = testEmulator();
const sourceContainer = uniqueName("healthsrc");
const backupContainer = uniqueName("healthbak");
const sources = emu.blobService("devstoreaccount1").getContainerClient(sourceContainer);
const backups = emu.blobService("devbackupaccount").getContainerClient(backupContainer);

interface Health {
  status: string;
  schedule: { expression: string; intervalMs: number; staleAfterMs: number };
  disks: Array<{ diskId: string; status: string; stale: boolean; failing: boolean; lastFailure: unknown }>;
  unhealthy: Array<{ diskId: string; status: string; lastFailure: { reason: string | null } | null }>;
}

async function get(url: string) {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function backUp(api: string, disks: string[]): Promise<{ runId: string; output: unknown }> {
  const response = await fetch(`${api}/backups`, { method: "POST", body: JSON.stringify({ disks }) });
  expect(response.status).toBe(202);
  const { id, statusQueryGetUri } = (await response.json()) as { id: string; statusQueryGetUri: string };
  for (let i = 0; i < 600; i++) {
    const status = (await (await fetch(statusQueryGetUri)).json()) as {
      runtimeStatus: string;
      output: unknown;
    };
    if (["Completed", "Failed", "Terminated"].includes(status.runtimeStatus)) {
      expect(status.runtimeStatus).toBe("Completed");
      return { runId: id, output: status.output };
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`backup ${id} did not finish`);
}

describe("health and step events through the local Functions runtime", () => {
  let host: RunningHost;
  const logs: string[] = [];
  let api = "";
  let alpha = "";
  let beta = "";

  /** The step events in the host's log, and the activity invocations the host reported. */
  function eventsOf(runId: string): StepEvent[] {
    return logs.map(parseStepEvent).filter((e): e is StepEvent => e !== undefined && e.runId === runId);
  }

  beforeAll(async () => {
    await sources.create();
    for (const [name, size] of [
      ["alpha.vhd", 8 * MiB],
      ["beta.vhd", 4 * MiB],
    ] as const) {
      const blob = sources.getPageBlobClient(name);
      await blob.create(size);
      await writeRandom(blob, MiB, 2 * MiB);
    }
    ({ host } = await startApp({
      hub: "healthe2e",
      sourceContainer,
      backupContainer,
      logs,
      settings: { BACKUP_SCHEDULE: "0 0 */6 * * *" },
    }));
    api = `${host.baseUrl}/api`;
    const disks = (await get(`${api}/disks`)).body.disks as Array<{
      id: string;
      sourceUrl: string;
      kind: string;
    }>;
    expect(disks.map((d) => d.kind)).toEqual(["pageBlob", "pageBlob"]);
    alpha = disks.find((d) => d.sourceUrl.endsWith("/alpha.vhd"))?.id ?? "";
    beta = disks.find((d) => d.sourceUrl.endsWith("/beta.vhd"))?.id ?? "";
  });

  afterAll(async () => {
    await host?.stop();
    await sources.deleteIfExists();
    await backups.deleteIfExists();
  });

  it("answers 503 until every disk has a fresh restore point, then 200", async () => {
    const before = await get(`${api}/health`);
    expect(before.status).toBe(503);
    const report = before.body as unknown as Health;
    expect(report.status).toBe("unhealthy");
    expect(report.schedule).toEqual({
      expression: "0 0 */6 * * *",
      intervalMs: 6 * 3600_000,
      staleAfterMs: 12 * 3600_000,
    });
    expect(report.unhealthy.map((d) => [d.diskId, d.status]).sort()).toEqual(
      [
        [alpha, "stale"],
        [beta, "stale"],
      ].sort(),
    );

    const first = await backUp(api, [alpha]);
    const half = (await get(`${api}/health`)) as { status: number; body: unknown };
    expect(half.status).toBe(503);
    expect((half.body as Health).unhealthy.map((d) => d.diskId)).toEqual([beta]);
    expect((half.body as Health).disks.find((d) => d.diskId === alpha)?.status).toBe("fresh");

    // One event per step invocation of the run, each naming the disk, the restore point and the run.
    const events = eventsOf(first.runId).filter((e) => e.diskId === alpha);
    const steps = events.map((e) => e.step);
    expect(steps.filter((s) => s === "beginDiskBackup")).toHaveLength(1);
    expect(steps.filter((s) => s === "planDiskBackup")).toHaveLength(1);
    expect(steps.filter((s) => s === "completeDiskBackup")).toHaveLength(1);
    const copies = events.filter((e) => e.step === "copyBackupBatch");
    expect(copies.length).toBeGreaterThanOrEqual(1);
    const plan = events.find((e) => e.step === "planDiskBackup");
    expect(plan?.bytes).toBe(2 * MiB);
    expect(copies.reduce((sum, e) => sum + (e.bytes ?? 0), 0)).toBe(2 * MiB);
    const restorePoint = (first.output as { disks: Array<{ restorePoint: { restorePointId: string } }> })
      .disks[0]?.restorePoint.restorePointId;
    for (const event of events) {
      expect(event).toMatchObject({
        procedure: "backup",
        outcome: "succeeded",
        restorePointId: restorePoint,
      });
      expect(event.durationMs).toBeGreaterThanOrEqual(0);
    }
    const invocations = logs.filter((l) =>
      /^Executed '(beginDiskBackup|planDiskBackup|copyBackupBatch|completeDiskBackup)'/.test(l),
    );
    const stepEvents = logs
      .map(parseStepEvent)
      .filter(
        (e) =>
          e &&
          ["beginDiskBackup", "planDiskBackup", "copyBackupBatch", "completeDiskBackup"].includes(e.step),
      );
    expect(stepEvents.length).toBe(invocations.length);

    await backUp(api, [beta]);
    const after = await get(`${api}/health`);
    expect(after.status).toBe(200);
    expect((after.body as unknown as Health).unhealthy).toEqual([]);
    expect((after.body as unknown as Health).disks.map((d) => d.status)).toEqual(["fresh", "fresh"]);
  });

  it("answers 503 with the failing disk and its reason; the failure is an event too", async () => {
    // Someone else holds a lease on alpha's backup blob: planning cannot take it, the backup fails.
    await writeRandom(sources.getPageBlobClient("alpha.vhd"), 4 * MiB, MiB);
    const blobName = `devstoreaccount1/${sourceContainer}/alpha.vhd`;
    const lease = backups.getPageBlobClient(blobName).getBlobLeaseClient();
    await lease.acquireLease(-1);
    try {
      const failed = await backUp(api, [alpha]);
      const outcome = (failed.output as { disks: Array<{ status: string }> }).disks[0];
      expect(outcome?.status).toBe("failed");
      const health = await get(`${api}/health`);
      expect(health.status).toBe(503);
      const unhealthy = (health.body as unknown as Health).unhealthy;
      expect(unhealthy.map((d) => [d.diskId, d.status])).toEqual([[alpha, "failing"]]);
      expect(unhealthy[0]?.lastFailure?.reason).toMatch(/lease/i);

      const events = eventsOf(failed.runId).filter((e) => e.diskId === alpha);
      const planned = events.filter((e) => e.step === "planDiskBackup");
      expect(planned.length).toBeGreaterThanOrEqual(1);
      expect(planned.every((e) => e.outcome !== "succeeded" && e.reason !== null)).toBe(true);
      const recorded = events.filter((e) => e.step === "failDiskBackup");
      expect(recorded).toHaveLength(1);
      expect(recorded[0]).toMatchObject({ outcome: "succeeded", procedure: "backup" });
      expect(recorded[0]?.reason).toMatch(/lease/i);
    } finally {
      await lease.releaseLease();
    }
  });

  it("lists the runs of the last day with their results (GET /api/runs)", async () => {
    const { status, body } = await get(`${api}/runs`);
    expect(status).toBe(200);
    const runs = body.runs as Array<{
      name: string;
      runtimeStatus: string;
      output: unknown;
      createdTime: string;
    }>;
    const backupRuns = runs.filter((r) => r.name === "backupRun");
    expect(backupRuns).toHaveLength(3);
    expect(backupRuns.every((r) => r.runtimeStatus === "Completed")).toBe(true);
    expect(runs.filter((r) => r.name === "backupDisk").length).toBeGreaterThanOrEqual(2);
    const times = runs.map((r) => r.createdTime);
    expect([...times].sort().reverse()).toEqual(times);
  });
});

// A backup larger than one step can copy, through the local runtime with a short functionTimeout that
// the runtime enforces (as the host does) and a slowed emulator: every copy step stops at its time
// budget and records its checkpoint, the next call goes on from there, no invocation runs past the
// timeout, the disk's bytes are copied about once, and the restore point equals its source snapshot.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningHost } from "../../local/host/index";
import { contentOf, MiB, writeRandom } from "../integration/support/harness";
import { testEmulator, uniqueName } from "../support/emulator";
import { startApp } from "./support/appHost";

const emu = testEmulator();
const sourceContainer = uniqueName("e2elargesrc");
const backupContainer = uniqueName("e2elargebak");
const sources = emu.blobService("devstoreaccount1").getContainerClient(sourceContainer);
const backups = emu.blobService("devbackupaccount").getContainerClient(backupContainer);
const backupPrefix = `/devbackupaccount/${backupContainer}`;
const DISK_BYTES = 128 * MiB;

interface Status {
  runtimeStatus: string;
  output: {
    disks: Array<{
      status: string;
      restorePoint?: { backupUrl: string; backupSnapshot: string; sourceSnapshot: string };
    }>;
  } | null;
}

describe("a disk larger than one step (local runtime, enforced functionTimeout)", () => {
  let host: RunningHost;
  const logs: string[] = [];

  beforeAll(async () => {
    await sources.create();
    const blob = sources.getPageBlobClient("large.vhd");
    await blob.create(DISK_BYTES);
    await writeRandom(blob, 0, DISK_BYTES);
    // the host fails any invocation past 10 s; the app then budgets 5 s per copy step, so a request in
    // flight at the budget (2 s) ends well before the timeout, even on a loaded machine
    ({ host } = await startApp({
      hub: "largee2e",
      sourceContainer,
      backupContainer,
      logs,
      settings: { AzureFunctionsJobHost__functionTimeout: "00:00:10" },
    }));
  });

  afterAll(async () => {
    await emu.control.setFaults([]);
    await host?.stop();
    await sources.deleteIfExists();
    await backups.deleteIfExists();
  });

  it("copies in budgeted steps that resume from their checkpoints, never past the timeout", async () => {
    // 32 requests of 4 MiB, 2 s each, 8 at a time on the blob: about 8 s of copying in 5 s steps
    await emu.control.setFaults([
      { pathPrefix: backupPrefix, operations: ["putPageFromUrl"], rate: 1, kind: "latency", latencyMs: 2000 },
    ]);
    await emu.control.resetStats(backupPrefix);
    const started = await fetch(`${host.baseUrl}/api/backups`, { method: "POST", body: "{}" });
    expect(started.status).toBe(202);
    const statusUrl = String(((await started.json()) as { statusQueryGetUri: string }).statusQueryGetUri);
    let status: Status | undefined;
    for (let i = 0; i < 300; i++) {
      status = (await (await fetch(statusUrl)).json()) as Status;
      if (["Completed", "Failed", "Terminated"].includes(status.runtimeStatus)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await emu.control.setFaults([]);
    expect(status?.runtimeStatus).toBe("Completed");
    const disk = status?.output?.disks[0];
    expect(disk?.status).toBe("completed");
    expect(host.functionTimeouts()).toEqual([]);
    const copySteps = logs.filter((l) => l.startsWith("Executed 'copyBackupBatch'"));
    const batches = 4; // 128 MiB in 32 MiB batches (a window's worth)
    expect(copySteps.length).toBeGreaterThan(batches); // some batch was continued from its checkpoint
    const stats = await emu.control.getStats(backupPrefix);
    const copied = stats.operations.putPageFromUrl?.bytesIn ?? 0;
    // each continuation may redo what was in flight beyond its checkpoint (at most a window's requests)
    expect(copied).toBeGreaterThanOrEqual(DISK_BYTES);
    expect(copied).toBeLessThanOrEqual(DISK_BYTES + (copySteps.length - batches) * 8 * 4 * MiB);
    const point = disk?.restorePoint;
    const name = decodeURIComponent(new URL(String(point?.backupUrl)).pathname.split("/").slice(3).join("/"));
    const backup = await contentOf(
      backups.getPageBlobClient(name).withSnapshot(String(point?.backupSnapshot)),
    );
    const source = await contentOf(
      sources.getPageBlobClient("large.vhd").withSnapshot(String(point?.sourceSnapshot)),
    );
    expect(backup.equals(source)).toBe(true);
  });
});

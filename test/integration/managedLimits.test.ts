// The service's limits on managed-disk snapshots, real in the stand-in (shrunk here), are waited out with
// the procedure's durable timers instead of failing the backup: the snapshot rate (429), the SAS limit
// of a snapshot family, snapshots still being copied (Premium SSD v2). What waiting cannot cure fails
// with a reason: 4096-byte sectors, Entra-only data access, a limit that stays.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { discover } from "../../src/disks/discovery";
import { POLL } from "../arm/harness";
import { createManagedHarness, type ManagedHarness, MiB } from "./support/managed";

let h: ManagedHarness;
const WINDOW_MS = 2000;
beforeAll(async () => {
  h = await createManagedHarness("mdlim", {
    standIn: {
      limits: {
        maxSnapshotsPerWindow: 2,
        snapshotWindowMs: WINDOW_MS,
        maxActiveSasPerFamily: 2,
        maxIncrementalSnapshotsPerDisk: 4,
      },
      backgroundCopyMs: 1500,
    },
  });
});
afterAll(async () => {
  await h?.cleanup();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Backs up and records every waitable failure a step reported on the way (its code). */
async function backupWatching(disk: string) {
  const waits: string[] = [];
  const run = await h.backup(disk, {
    onStep: (_name, _input, result) => {
      const r = result as { ok: boolean; error?: { code: string } };
      if (!r.ok && r.error) waits.push(r.error.code);
    },
  });
  return { run, waits };
}

const snapshotOf = (disk: string, name: string) =>
  h.arm.client.snapshots.beginCreateOrUpdateAndWait(
    h.arm.resourceGroup,
    name,
    {
      location: "local",
      incremental: true,
      creationData: { createOption: "Copy", sourceResourceId: h.disk(disk).ref.id },
    },
    POLL,
  );

describe("limits of managed-disk snapshots", () => {
  it("waits out the snapshot rate (429 with Retry-After) with a durable timer", async () => {
    await h.createDisk("rate", 1);
    await h.blob("rate").uploadPages(randomBytes(MiB), 0, MiB);
    expect((await h.backup("rate")).restorePoint.kind).toBe("full");
    expect((await h.backup("rate")).restorePoint.kind).toBe("incremental");
    const started = Date.now();
    const { run, waits } = await backupWatching("rate");
    expect(run.status, run.restorePoint.reason ?? "").toBe("completed");
    expect(run.restorePoint.kind).toBe("incremental");
    expect(waits).toContain("SnapshotRateLimited");
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(h.logs.some((l) => /takes no snapshot now \(429/.test(l))).toBe(true);
  });

  it("waits while a snapshot family has as many SAS as allowed, and goes on when one ends", async () => {
    await h.createDisk("sas", 1);
    await h.blob("sas").uploadPages(randomBytes(MiB), 0, MiB);
    await h.backup("sas");
    // Someone else holds a SAS on another snapshot of the disk: with a limit of 2, the run's second
    // grant (the diff base) must wait until that one ends.
    await snapshotOf("sas", "someone-elses");
    await h.arm.client.snapshots.beginGrantAccessAndWait(
      h.arm.resourceGroup,
      "someone-elses",
      { access: "Read", durationInSeconds: 600 },
      POLL,
    );
    await sleep(WINDOW_MS);
    await h.blob("sas").uploadPages(randomBytes(4096), 8 * MiB, 4096);
    const running = backupWatching("sas");
    await sleep(1500);
    await h.arm.client.snapshots.beginRevokeAccessAndWait(h.arm.resourceGroup, "someone-elses", POLL);
    const { run, waits } = await running;
    expect(run.status, run.restorePoint.reason ?? "").toBe("completed");
    expect(run.restorePoint).toMatchObject({ kind: "incremental", changedBytes: 4096 });
    expect(waits).toContain("SnapshotAccessLimited");
    // Snapshots the app did not take are never deleted.
    expect((await h.arm.client.snapshots.get(h.arm.resourceGroup, "someone-elses")).name).toBe(
      "someone-elses",
    );
  });

  it("waits until a Premium SSD v2 snapshot is copied (completionPercent 100) before reading it", async () => {
    await h.createDisk("v2", 1, {
      sku: { name: "PremiumV2_LRS" },
      creationData: { createOption: "Empty", logicalSectorSize: 512 },
    });
    await h.blob("v2").uploadPages(randomBytes(MiB), 2 * MiB, MiB);
    const { run, waits } = await backupWatching("v2");
    expect(run.status, run.restorePoint.reason ?? "").toBe("completed");
    expect(run.restorePoint.changedBytes).toBe(MiB + 512);
    expect(waits).toContain("SnapshotPending");
  });

  it("refuses 4096-byte-sector and Entra-only disks with a clear reason (skipped by discovery, failed if asked)", async () => {
    await h.createDisk("fourk", 1, { sku: { name: "PremiumV2_LRS" } });
    await h.createDisk("entra", 1, { dataAccessAuthMode: "AzureActiveDirectory" });
    const found = await discover(h.ctx.settings, h.ctx.storage, () => {}, h.ctx.compute);
    const skipped = Object.fromEntries(found.skipped.map((s) => [s.diskId, s.reason]));
    expect(skipped[h.disk("fourk").id]).toMatch(/4096-byte logical sectors/);
    expect(skipped[h.disk("entra").id]).toMatch(/only Entra ID data access/);
    expect(found.disks.map((d) => d.id)).not.toContain(h.disk("fourk").id);
    const fourk = await h.backup("fourk");
    expect(fourk.status).toBe("failed");
    expect(fourk.restorePoint.reason).toMatch(/4096-byte logical sectors/);
    const entra = await h.backup("entra");
    expect(entra.restorePoint.reason).toMatch(/dataAccessAuthMode AzureActiveDirectory/);
  });

  it("fails, with the service's words, when a refusal outlasts its few waits (snapshots per disk)", async () => {
    await h.createDisk("count", 1);
    for (let i = 0; i < 4; i++) {
      if (i === 2) await sleep(WINDOW_MS);
      await snapshotOf("count", `others-${i}`);
    }
    await sleep(WINDOW_MS);
    const { run, waits } = await backupWatching("count");
    expect(run.status).toBe("failed");
    expect(waits.filter((c) => c === "ResourceManagerConflict").length).toBe(4);
    expect(run.restorePoint.reason).toMatch(/the limit is 4/);
  });
});

// The service's limits, real in the stand-in: 5 SAS per snapshot family, 7 incremental snapshots
// per disk per window (429 with x-ms-ratelimit headers), snapshots per disk, Pending snapshots of
// Premium SSD v2 disks, 4096-byte sectors and Entra-only data access.
import { AnonymousCredential, PageBlobClient } from "@azure/storage-blob";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POLL, type StandInHarness, startHarness } from "./harness";

let h: StandInHarness;
const WINDOW_MS = 3000;
beforeAll(async () => {
  h = await startHarness({
    limits: { snapshotWindowMs: WINDOW_MS, maxIncrementalSnapshotsPerDisk: 9 },
    backgroundCopyMs: 1500,
  });
});
afterAll(async () => {
  await h?.close();
});

async function createDisk(name: string, extra: Record<string, unknown> = {}) {
  return h.client.disks.beginCreateOrUpdateAndWait(
    h.resourceGroup,
    name,
    { location: "local", diskSizeGB: 1, creationData: { createOption: "Empty" }, ...extra },
    POLL,
  );
}

const snapshot = (disk: string, name: string, client = h.client) =>
  client.snapshots.beginCreateOrUpdateAndWait(
    h.resourceGroup,
    name,
    {
      location: "local",
      incremental: true,
      creationData: { createOption: "Copy", sourceResourceId: h.diskId(disk) },
    },
    POLL,
  );

const grantRead = (name: string, client = h.client) =>
  client.snapshots.beginGrantAccessAndWait(
    h.resourceGroup,
    name,
    { access: "Read", durationInSeconds: 600 },
    POLL,
  );

describe("limits", () => {
  it("throttles the 8th incremental snapshot of a disk in the window with 429 and x-ms-ratelimit headers", async () => {
    await createDisk("rate");
    for (let i = 1; i <= 7; i++) await snapshot("rate", `rate-s${i}`);
    let response: { status?: number; headers?: { get(name: string): string | undefined } } | undefined;
    await expect(
      h.noRetryClient.snapshots.beginCreateOrUpdateAndWait(
        h.resourceGroup,
        "rate-s8",
        {
          location: "local",
          incremental: true,
          creationData: { createOption: "Copy", sourceResourceId: h.diskId("rate") },
        },
        { ...POLL, onResponse: (raw) => (response = raw) },
      ),
    ).rejects.toMatchObject({ statusCode: 429, code: "OperationNotAllowed" });
    expect(response?.status).toBe(429);
    expect(response?.headers?.get("x-ms-ratelimit-remaining-resource")).toMatch(/^Microsoft\.Compute\/.+;0$/);
    expect(Number(response?.headers?.get("retry-after"))).toBeGreaterThanOrEqual(1);
    await expect(h.client.snapshots.get(h.resourceGroup, "rate-s8")).rejects.toMatchObject({
      statusCode: 404,
    });
    // The SDK's default retry policy honours Retry-After by itself: the same call then succeeds.
    const waited = await snapshot("rate", "rate-s8");
    expect(waited.provisioningState).toBe("Succeeded");
  });

  it("caps incremental snapshots per disk (configured 9 here, 500 in the service)", async () => {
    // rate-s1..s8 exist; one more is the 9th, the 10th is refused whatever the window says.
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
    await snapshot("rate", "rate-s9");
    await expect(snapshot("rate", "rate-s10", h.noRetryClient)).rejects.toMatchObject({
      statusCode: 409,
      code: "OperationNotAllowed",
    });
    await h.client.snapshots.beginDeleteAndWait(h.resourceGroup, "rate-s1", POLL);
    await snapshot("rate", "rate-s10");
  });

  it("refuses a 6th active SAS in a snapshot family until one is revoked", async () => {
    const names = ["rate-s2", "rate-s3", "rate-s4", "rate-s5", "rate-s6"];
    const sas = [];
    for (const name of names) sas.push((await grantRead(name)).accessSAS as string);
    await expect(grantRead("rate-s7", h.noRetryClient)).rejects.toMatchObject({
      statusCode: 409,
      code: "OperationNotAllowed",
    });
    // Re-granting one that already has a SAS replaces it (still 5 active).
    const again = (await grantRead("rate-s6")).accessSAS as string;
    const reader = (url: string) => new PageBlobClient(url, new AnonymousCredential());
    await expect(reader(sas[4] as string).getProperties()).rejects.toMatchObject({ statusCode: 403 });
    expect((await reader(again).getProperties()).contentLength).toBe(1024 ** 3 + 512);
    await h.client.snapshots.beginRevokeAccessAndWait(h.resourceGroup, "rate-s2", POLL);
    const seventh = await grantRead("rate-s7");
    expect(seventh.accessSAS).toBeTruthy();
    // Another disk's family has its own count.
    await createDisk("other");
    await snapshot("other", "other-s1");
    expect((await grantRead("other-s1")).accessSAS).toBeTruthy();
    for (const name of ["rate-s3", "rate-s4", "rate-s5", "rate-s6", "rate-s7", "other-s1"]) {
      await h.client.snapshots.beginRevokeAccessAndWait(h.resourceGroup, name, POLL);
    }
  });

  it("keeps Premium SSD v2 snapshots Pending until the background copy completes", async () => {
    const disk = await createDisk("v2", {
      sku: { name: "PremiumV2_LRS" },
      creationData: { createOption: "Empty", logicalSectorSize: 512 },
    });
    expect(disk.sku?.name).toBe("PremiumV2_LRS");
    const pending = await snapshot("v2", "v2-s1");
    expect(pending.snapshotAccessState).toBe("Pending");
    expect(pending.completionPercent).toBeLessThan(100);
    await expect(grantRead("v2-s1", h.noRetryClient)).rejects.toMatchObject({
      statusCode: 409,
      code: "OperationNotAllowed",
    });
    let ready = pending;
    for (let i = 0; i < 100 && ready.completionPercent !== 100; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      ready = await h.client.snapshots.get(h.resourceGroup, "v2-s1");
    }
    expect(ready.completionPercent).toBe(100);
    expect(ready.snapshotAccessState).toBe("Available");
    expect((await grantRead("v2-s1")).accessSAS).toBeTruthy();
    await h.client.snapshots.beginRevokeAccessAndWait(h.resourceGroup, "v2-s1", POLL);
  });

  it("has 4096-byte-sector disks (PremiumV2 default) whose snapshots export only as VHDX", async () => {
    const disk = await createDisk("v2-4k", { sku: { name: "PremiumV2_LRS" } });
    expect(disk.creationData?.logicalSectorSize).toBe(4096);
    const snap = await snapshot("v2-4k", "v2-4k-s1");
    expect(snap.creationData?.logicalSectorSize).toBe(4096);
    await expect(
      createDisk("hdd-4k", { creationData: { createOption: "Empty", logicalSectorSize: 4096 } }),
    ).rejects.toMatchObject({
      statusCode: 400,
    });
  });

  it("has Entra-only disks: the property shows, and their SAS alone is refused", async () => {
    const disk = await createDisk("entra", { dataAccessAuthMode: "AzureActiveDirectory" });
    expect(disk.dataAccessAuthMode).toBe("AzureActiveDirectory");
    const snap = await snapshot("entra", "entra-s1");
    expect(snap.dataAccessAuthMode).toBe("AzureActiveDirectory");
    const grant = await grantRead("entra-s1");
    await expect(
      new PageBlobClient(grant.accessSAS as string, new AnonymousCredential()).getProperties(),
    ).rejects.toMatchObject({ statusCode: 403 });
    await h.client.snapshots.beginRevokeAccessAndWait(h.resourceGroup, "entra-s1", POLL);
  });
});

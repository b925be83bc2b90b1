// The stand-in keeps its state across a restart (JSON file under the data folder) and reconciles
// the container's access policies with it: a policy it does not know about stops working.
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
  AnonymousCredential,
  ContainerClient,
  generateBlobSASQueryParameters,
  PageBlobClient,
} from "@azure/storage-blob";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_VERSION } from "../../local/arm/index";
import { testEmulator } from "../support/emulator";
import { DISK_ACCOUNT, POLL, rawRequest, type StandInHarness, startHarness } from "./harness";

let h: StandInHarness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const reader = (url: string) => new PageBlobClient(url, new AnonymousCredential());

describe("restart", () => {
  it("keeps disks, snapshots, SAS grants, operations and the certificate", async () => {
    const disk = await h.client.disks.beginCreateOrUpdateAndWait(
      h.resourceGroup,
      "r1",
      { location: "local", diskSizeGB: 1, creationData: { createOption: "Empty" } },
      POLL,
    );
    await h.diskBlob("r1").uploadPages(Buffer.alloc(4096, 5), 8192, 4096);
    const snap = await h.client.snapshots.beginCreateOrUpdateAndWait(
      h.resourceGroup,
      "r1-s1",
      {
        location: "local",
        incremental: true,
        creationData: { createOption: "Copy", sourceResourceId: h.diskId("r1") },
      },
      POLL,
    );
    const grant = await h.client.snapshots.beginGrantAccessAndWait(
      h.resourceGroup,
      "r1-s1",
      { access: "Read", durationInSeconds: 600 },
      POLL,
    );
    // An operation started before the restart and polled after it.
    const pending = await rawRequest(
      h.standIn,
      "POST",
      `/subscriptions/${h.standIn.subscriptionId}/resourceGroups/${h.resourceGroup}/providers/Microsoft.Compute/disks/r1/beginGetAccess?api-version=${API_VERSION}`,
      { body: { access: "Read", durationInSeconds: 600 } },
    );
    expect(pending.status).toBe(202);
    const statusUrl = new URL(String(pending.headers["azure-asyncoperation"]));
    const monitorUrl = new URL(String(pending.headers.location));
    expect(monitorUrl.searchParams.get("monitor")).toBe("true");
    const ca = h.standIn.caCertPem;
    writeFileSync(`${h.standIn.statePath}.99999.tmp`, "{ half a write");

    await h.restart({ port: h.standIn.port });
    expect(h.standIn.caCertPem).toBe(ca);
    expect(existsSync(h.standIn.statePath)).toBe(true);
    expect(path.dirname(h.standIn.certPath)).toBe(path.join(h.dataDir, "arm"));
    expect((await h.client.disks.get(h.resourceGroup, "r1")).uniqueId).toBe(disk.uniqueId);
    const after = await h.client.snapshots.get(h.resourceGroup, "r1-s1");
    expect(after.uniqueId).toBe(snap.uniqueId);
    expect(after.diskState).toBe("ActiveSAS");
    expect(
      (await reader(grant.accessSAS as string).downloadToBuffer(8192, 4096)).equals(Buffer.alloc(4096, 5)),
    ).toBe(true);
    const status = await rawRequest(h.standIn, "GET", `${statusUrl.pathname}${statusUrl.search}`);
    expect(status.json.status).toBe("Succeeded");
    const monitor = await rawRequest(h.standIn, "GET", `${monitorUrl.pathname}${monitorUrl.search}`);
    expect(monitor.status).toBe(200);
    expect(String(monitor.json.accessSAS)).toContain("/r1?");
    expect((await h.client.disks.get(h.resourceGroup, "r1")).diskState).toBe("ActiveSAS");

    await h.client.snapshots.beginRevokeAccessAndWait(h.resourceGroup, "r1-s1", POLL);
    await h.client.disks.beginRevokeAccessAndWait(h.resourceGroup, "r1", POLL);
    await expect(reader(grant.accessSAS as string).getProperties()).rejects.toMatchObject({
      statusCode: 403,
    });
    await expect(reader(String(monitor.json.accessSAS)).getProperties()).rejects.toMatchObject({
      statusCode: 403,
    });
  });

  it("removes at start an access policy its state does not know (a crash between the two writes)", async () => {
    const emulator = testEmulator();
    const container = new ContainerClient(
      `${emulator.blobEndpoint(DISK_ACCOUNT)}/${h.containers.disks}`,
      emulator.credential(DISK_ACCOUNT),
    );
    await container.setAccessPolicy(undefined, [
      { id: "orphan", accessPolicy: { permissions: "r", expiresOn: new Date(Date.now() + 600_000) } },
    ]);
    const sas = generateBlobSASQueryParameters(
      { containerName: h.containers.disks, blobName: `${h.resourceGroup}/r1`, identifier: "orphan" },
      emulator.credential(DISK_ACCOUNT),
    );
    const url = `${h.diskBlob("r1").url}?${sas.toString()}`;
    expect((await reader(url).getProperties()).contentLength).toBe(1024 ** 3 + 512);
    await h.restart({ port: h.standIn.port });
    await expect(reader(url).getProperties()).rejects.toMatchObject({ statusCode: 403 });
    expect((await container.getAccessPolicy()).signedIdentifiers).toEqual([]);
  });
});

// Long-running operations as the SDK sees them: 202 with Azure-AsyncOperation and Location,
// InProgress while the operation runs, the result at the monitor URL, and failed operations.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_VERSION } from "../../local/arm/index";
import { POLL, rawRequest, type StandInHarness, startHarness } from "./harness";

let h: StandInHarness;
const DELAY_MS = 400;
beforeAll(async () => {
  h = await startHarness({ operationDelayMs: DELAY_MS });
});
afterAll(async () => {
  await h?.close();
});

const base = () =>
  `/subscriptions/${h.standIn.subscriptionId}/resourceGroups/${h.resourceGroup}/providers/Microsoft.Compute`;
const local = (url: unknown) => {
  const parsed = new URL(String(url));
  return `${parsed.pathname}${parsed.search}`;
};

describe("long-running operations", () => {
  it("answers 202 with both polling headers, reports InProgress, then Succeeded and the result", async () => {
    const put = await rawRequest(h.standIn, "PUT", `${base()}/disks/lro1?api-version=${API_VERSION}`, {
      body: { location: "local", properties: { diskSizeGB: 1, creationData: { createOption: "Empty" } } },
    });
    expect(put.status).toBe(202);
    expect(String(put.headers["azure-asyncoperation"])).toMatch(
      /^https:\/\/127\.0\.0\.1:\d+\/subscriptions\/.+\/providers\/Microsoft\.Compute\/locations\/local\/DiskOperations\/[0-9a-f-]+\?api-version=2025-01-02$/,
    );
    expect(String(put.headers.location)).toContain("monitor=true");
    expect((put.json.properties as { provisioningState?: string }).provisioningState).toBe("Updating");
    const status = await rawRequest(h.standIn, "GET", local(put.headers["azure-asyncoperation"]));
    expect(status.json.status).toBe("InProgress");
    expect((await rawRequest(h.standIn, "GET", local(put.headers.location))).status).toBe(202);
    // The SDK's poller waits it out.
    const disk = await h.client.disks.beginCreateOrUpdateAndWait(
      h.resourceGroup,
      "lro2",
      { location: "local", diskSizeGB: 1, creationData: { createOption: "Empty" } },
      POLL,
    );
    expect(disk.provisioningState).toBe("Succeeded");
    const done = await rawRequest(h.standIn, "GET", local(put.headers["azure-asyncoperation"]));
    expect(done.json.status).toBe("Succeeded");
    expect(done.json.endTime).toBeTruthy();
    expect((await h.client.disks.get(h.resourceGroup, "lro1")).provisioningState).toBe("Succeeded");

    const grant = await rawRequest(
      h.standIn,
      "POST",
      `${base()}/disks/lro1/beginGetAccess?api-version=${API_VERSION}`,
      {
        body: { access: "Read", durationInSeconds: 60 },
      },
    );
    expect(grant.status).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, DELAY_MS + 50));
    const output = await rawRequest(h.standIn, "GET", local(grant.headers["azure-asyncoperation"]));
    expect(output.json.status).toBe("Succeeded");
    const sas = (output.json.properties as { output: { accessSAS: string } }).output.accessSAS;
    const monitor = await rawRequest(h.standIn, "GET", local(grant.headers.location));
    expect(monitor.json.accessSAS).toBe(sas);
    await h.client.disks.beginRevokeAccessAndWait(h.resourceGroup, "lro1", POLL);
  });

  it("surfaces injected faults: a failed operation and an immediate 500", async () => {
    h.standIn.setFaults([
      {
        operation: "snapshots.createOrUpdate",
        kind: "lroFailed",
        code: "InternalOperationError",
        message: "boom",
      },
      { operation: "disks.get", kind: "http", status: 500, count: 1 },
    ]);
    await expect(
      h.noRetryClient.snapshots.beginCreateOrUpdateAndWait(
        h.resourceGroup,
        "lro1-s1",
        {
          location: "local",
          incremental: true,
          creationData: { createOption: "Copy", sourceResourceId: h.diskId("lro1") },
        },
        POLL,
      ),
    ).rejects.toThrow(/long-running operation has failed.*InternalOperationError/i);
    await expect(h.client.snapshots.get(h.resourceGroup, "lro1-s1")).rejects.toMatchObject({
      statusCode: 404,
    });
    await expect(h.noRetryClient.disks.get(h.resourceGroup, "lro1")).rejects.toMatchObject({
      statusCode: 500,
    });
    expect((await h.noRetryClient.disks.get(h.resourceGroup, "lro1")).name).toBe("lro1");
  });
});

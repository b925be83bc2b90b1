// Errors in Resource Manager's shape for what a caller gets wrong: missing resources and groups,
// bad bodies, wrong api-version or subscription, no bearer token, disallowed state changes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_VERSION } from "../../local/arm/index";
import { POLL, rawRequest, type StandInHarness, startHarness } from "./harness";

let h: StandInHarness;
beforeAll(async () => {
  h = await startHarness();
  await h.client.disks.beginCreateOrUpdateAndWait(
    h.resourceGroup,
    "e1",
    { location: "local", diskSizeGB: 1, creationData: { createOption: "Empty" } },
    POLL,
  );
});
afterAll(async () => {
  await h?.close();
});

const diskPath = (rg: string, name: string) =>
  `/subscriptions/${h.standIn.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Compute/disks/${name}?api-version=${API_VERSION}`;

describe("errors", () => {
  it("answers missing disks, snapshots and resource groups with 404 and the service's codes", async () => {
    await expect(h.client.disks.get(h.resourceGroup, "nope")).rejects.toMatchObject({
      statusCode: 404,
      code: "ResourceNotFound",
    });
    await expect(h.client.snapshots.get(h.resourceGroup, "nope")).rejects.toMatchObject({
      statusCode: 404,
      code: "ResourceNotFound",
    });
    await expect(h.client.disks.get("no-such-rg", "e1")).rejects.toMatchObject({
      statusCode: 404,
      code: "ResourceGroupNotFound",
    });
    await expect(
      h.noRetryClient.snapshots.beginGrantAccessAndWait(
        h.resourceGroup,
        "nope",
        { access: "Read", durationInSeconds: 60 },
        POLL,
      ),
    ).rejects.toMatchObject({ statusCode: 404, code: "ResourceNotFound" });
    await expect(
      h.noRetryClient.snapshots.beginCreateOrUpdateAndWait(
        h.resourceGroup,
        "of-nothing",
        {
          location: "local",
          incremental: true,
          creationData: { createOption: "Copy", sourceResourceId: h.diskId("nope") },
        },
        POLL,
      ),
    ).rejects.toMatchObject({ statusCode: 404, code: "ResourceNotFound" });
    // Deleting what is not there succeeds, as in Resource Manager (204).
    await h.client.disks.beginDeleteAndWait(h.resourceGroup, "nope", POLL);
    await h.client.snapshots.beginDeleteAndWait(h.resourceGroup, "nope", POLL);
    const body = (await rawRequest(h.standIn, "GET", diskPath(h.resourceGroup, "nope"))).json;
    expect(body.error?.code).toBe("ResourceNotFound");
    expect(body.error?.message).toContain("nope");
  });

  it("refuses bad bodies with 400 naming the property, creating nothing", async () => {
    const empty = { createOption: "Empty" };
    // [top-level fields, properties, expected code]
    const bad: [Record<string, unknown>, Record<string, unknown>, string][] = [
      [{ location: "local" }, { creationData: empty }, "InvalidParameter"],
      [
        { location: "westeurope" },
        { diskSizeGB: 1, creationData: empty },
        "LocationNotAvailableForResourceType",
      ],
      [{}, { diskSizeGB: 1, creationData: empty }, "LocationRequired"],
      [
        { location: "local" },
        { diskSizeGB: 1, creationData: { createOption: "FromImage" } },
        "InvalidParameter",
      ],
      [{ location: "local" }, { diskSizeGB: 1.5, creationData: empty }, "InvalidParameter"],
      [
        { location: "local", sku: { name: "Gold" } },
        { diskSizeGB: 1, creationData: empty },
        "InvalidParameter",
      ],
      [{ location: "local" }, { diskSizeGB: 1, creationData: empty, osType: "Plan9" }, "InvalidParameter"],
    ];
    for (const [top, properties, code] of bad) {
      const response = await rawRequest(h.standIn, "PUT", diskPath(h.resourceGroup, "bad1"), {
        body: { ...top, properties },
      });
      expect(response.status, JSON.stringify(properties)).toBe(400);
      expect(response.json.error?.code, JSON.stringify(properties)).toBe(code);
    }
    const badName = await rawRequest(h.standIn, "PUT", diskPath(h.resourceGroup, "bad name!"), {
      body: { location: "local", properties: { diskSizeGB: 1, creationData: empty } },
    });
    expect(badName.status).toBe(400);
    expect(badName.json.error?.code).toBe("InvalidResourceName");
    await expect(h.client.disks.get(h.resourceGroup, "bad1")).rejects.toMatchObject({ statusCode: 404 });
    await expect(
      h.noRetryClient.disks.beginGrantAccessAndWait(
        h.resourceGroup,
        "e1",
        { access: "Read", durationInSeconds: 0 },
        POLL,
      ),
    ).rejects.toMatchObject({ statusCode: 400, code: "InvalidParameter" });
    await expect(
      h.noRetryClient.disks.beginGrantAccessAndWait(
        h.resourceGroup,
        "e1",
        { access: "Read", durationInSeconds: 5_184_001 },
        POLL,
      ),
    ).rejects.toMatchObject({ statusCode: 400, code: "InvalidParameter" });
  });

  it("refuses requests without a bearer token, with a wrong api-version or subscription", async () => {
    const noToken = await rawRequest(h.standIn, "GET", diskPath(h.resourceGroup, "e1"), { token: null });
    expect(noToken.status).toBe(401);
    expect(noToken.json.error?.code).toBe("AuthenticationFailed");
    const oldVersion = await rawRequest(
      h.standIn,
      "GET",
      diskPath(h.resourceGroup, "e1").replace(API_VERSION, "2020-01-01"),
    );
    expect(oldVersion.status).toBe(400);
    expect(oldVersion.json.error?.code).toBe("InvalidApiVersionParameter");
    const noVersion = await rawRequest(
      h.standIn,
      "GET",
      diskPath(h.resourceGroup, "e1").split("?")[0] as string,
    );
    expect(noVersion.json.error?.code).toBe("MissingApiVersionParameter");
    const otherSub = await rawRequest(
      h.standIn,
      "GET",
      diskPath(h.resourceGroup, "e1").replace(
        h.standIn.subscriptionId,
        "11111111-1111-1111-1111-111111111111",
      ),
    );
    expect(otherSub.status).toBe(404);
    expect(otherSub.json.error?.code).toBe("SubscriptionNotFound");
    const op = await rawRequest(
      h.standIn,
      "GET",
      `/subscriptions/${h.standIn.subscriptionId}/providers/Microsoft.Compute/locations/local/DiskOperations/nope?api-version=${API_VERSION}`,
    );
    expect(op.status).toBe(404);
  });

  it("refuses disallowed changes: deleting a disk with a SAS or attached, changing creation data", async () => {
    await h.client.disks.beginGrantAccessAndWait(
      h.resourceGroup,
      "e1",
      { access: "Read", durationInSeconds: 60 },
      POLL,
    );
    await expect(h.noRetryClient.disks.beginDeleteAndWait(h.resourceGroup, "e1", POLL)).rejects.toMatchObject(
      {
        statusCode: 409,
        code: "OperationNotAllowed",
      },
    );
    await h.client.disks.beginRevokeAccessAndWait(h.resourceGroup, "e1", POLL);
    const vm = `/subscriptions/${h.standIn.subscriptionId}/resourceGroups/${h.resourceGroup}/providers/Microsoft.Compute/virtualMachines/vm1`;
    const attach = await rawRequest(h.standIn, "PUT", "/__armstandin/attachment", {
      body: { diskId: h.diskId("e1"), managedBy: vm },
    });
    expect(attach.status).toBe(200);
    const attached = await h.client.disks.get(h.resourceGroup, "e1");
    expect(attached.diskState).toBe("Attached");
    expect(attached.managedBy).toBe(vm);
    await expect(h.noRetryClient.disks.beginDeleteAndWait(h.resourceGroup, "e1", POLL)).rejects.toMatchObject(
      {
        statusCode: 409,
      },
    );
    await expect(
      h.noRetryClient.disks.beginGrantAccessAndWait(
        h.resourceGroup,
        "e1",
        { access: "Read", durationInSeconds: 60 },
        POLL,
      ),
    ).rejects.toMatchObject({ statusCode: 409 });
    await h.standIn.setAttachment(h.diskId("e1"), undefined);
    expect((await h.client.disks.get(h.resourceGroup, "e1")).diskState).toBe("Unattached");
    await expect(
      h.noRetryClient.disks.beginCreateOrUpdateAndWait(
        h.resourceGroup,
        "e1",
        {
          location: "local",
          creationData: { createOption: "Upload", uploadSizeBytes: 20 * 1024 * 1024 + 512 },
        },
        POLL,
      ),
    ).rejects.toMatchObject({ statusCode: 409, code: "PropertyChangeNotAllowed" });
    await expect(
      h.noRetryClient.disks.beginCreateOrUpdateAndWait(
        h.resourceGroup,
        "e1",
        { location: "local", diskSizeGB: 1, creationData: { createOption: "Empty" }, tags: { a: "b" } },
        POLL,
      ),
    ).resolves.toMatchObject({ tags: { a: "b" }, diskSizeGB: 1 });
    const stats = h.standIn.stats();
    expect(stats["disks.get"]).toBeGreaterThan(0);
    expect(stats["diskOperations.get"]).toBeGreaterThan(0);
  });
});

// Upload disks through the stand-in: create with createOption Upload, grant Write, write pages
// and the footer through the write SAS, revoke (refused without a valid fixed-VHD footer).
import { AnonymousCredential, PageBlobClient } from "@azure/storage-blob";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixedVhdFooter } from "../../local/arm/index";
import { POLL, type StandInHarness, startHarness } from "./harness";

let h: StandInHarness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const SIZE = 32 * 1024 * 1024; // diskSizeBytes
const sasClient = (url: string) => new PageBlobClient(url, new AnonymousCredential());

describe("upload disks", () => {
  it("goes ReadyToUpload → ActiveUpload → (valid footer) Unattached, with the uploaded bytes", async () => {
    const created = await h.client.disks.beginCreateOrUpdateAndWait(
      h.resourceGroup,
      "up1",
      {
        location: "local",
        osType: "Linux",
        hyperVGeneration: "V2",
        creationData: { createOption: "Upload", uploadSizeBytes: SIZE + 512 },
      },
      POLL,
    );
    expect(created.diskState).toBe("ReadyToUpload");
    expect(created.creationData?.uploadSizeBytes).toBe(SIZE + 512);
    expect(created.diskSizeBytes).toBe(SIZE);
    expect(created.osType).toBe("Linux");
    expect(created.hyperVGeneration).toBe("V2");
    // Read access is for finished disks; a disk for upload takes Write only.
    await expect(
      h.noRetryClient.disks.beginGrantAccessAndWait(
        h.resourceGroup,
        "up1",
        { access: "Read", durationInSeconds: 60 },
        POLL,
      ),
    ).rejects.toMatchObject({ statusCode: 409, code: "OperationNotAllowed" });

    const grant = await h.client.disks.beginGrantAccessAndWait(
      h.resourceGroup,
      "up1",
      { access: "Write", durationInSeconds: 600 },
      POLL,
    );
    expect((await h.client.disks.get(h.resourceGroup, "up1")).diskState).toBe("ActiveUpload");
    const target = sasClient(grant.accessSAS as string);
    expect((await target.getProperties()).contentLength).toBe(SIZE + 512);
    await target.uploadPages(Buffer.alloc(1024 * 1024, 7), 3 * 1024 * 1024, 1024 * 1024);

    // No footer yet: revoke fails as the service's import does, and the upload stays open.
    await expect(
      h.noRetryClient.disks.beginRevokeAccessAndWait(h.resourceGroup, "up1", POLL),
    ).rejects.toMatchObject({
      statusCode: 400,
      code: "InvalidVhd",
    });
    expect((await h.client.disks.get(h.resourceGroup, "up1")).diskState).toBe("ActiveUpload");
    // A footer for another size is refused too.
    await target.uploadPages(fixedVhdFooter(SIZE - 512), SIZE, 512);
    await expect(
      h.noRetryClient.disks.beginRevokeAccessAndWait(h.resourceGroup, "up1", POLL),
    ).rejects.toMatchObject({
      statusCode: 400,
      code: "InvalidVhd",
    });
    await target.uploadPages(fixedVhdFooter(SIZE), SIZE, 512);
    await h.client.disks.beginRevokeAccessAndWait(h.resourceGroup, "up1", POLL);
    const done = await h.client.disks.get(h.resourceGroup, "up1");
    expect(done.diskState).toBe("Unattached");
    expect(done.diskSizeBytes).toBe(SIZE);
    await expect(target.uploadPages(Buffer.alloc(512), 0, 512)).rejects.toMatchObject({ statusCode: 403 });

    const read = await h.client.disks.beginGrantAccessAndWait(
      h.resourceGroup,
      "up1",
      { access: "Read", durationInSeconds: 600 },
      POLL,
    );
    expect((await h.client.disks.get(h.resourceGroup, "up1")).diskState).toBe("ActiveSAS");
    const back = await sasClient(read.accessSAS as string).downloadToBuffer(3 * 1024 * 1024, 1024 * 1024);
    expect(back.equals(Buffer.alloc(1024 * 1024, 7))).toBe(true);
    await h.client.disks.beginRevokeAccessAndWait(h.resourceGroup, "up1", POLL);
    // The uploaded disk snapshots like any other.
    const snapshot = await h.client.snapshots.beginCreateOrUpdateAndWait(
      h.resourceGroup,
      "up1-s1",
      {
        location: "local",
        incremental: true,
        creationData: { createOption: "Copy", sourceResourceId: h.diskId("up1") },
      },
      POLL,
    );
    expect(snapshot.diskSizeBytes).toBe(SIZE);
  });

  it("refuses upload sizes the service refuses, changing nothing", async () => {
    for (const uploadSizeBytes of [20 * 1024 * 1024, 32 * 1024 * 1024 + 100]) {
      await expect(
        h.noRetryClient.disks.beginCreateOrUpdateAndWait(
          h.resourceGroup,
          "bad-upload",
          { location: "local", creationData: { createOption: "Upload", uploadSizeBytes } },
          POLL,
        ),
      ).rejects.toMatchObject({ statusCode: 400, code: "InvalidParameter" });
    }
    await expect(h.client.disks.get(h.resourceGroup, "bad-upload")).rejects.toMatchObject({
      statusCode: 404,
    });
    expect(await h.diskBlob("bad-upload").exists()).toBe(false);
  });
});

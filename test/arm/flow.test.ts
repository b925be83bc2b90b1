// The managed-disk backup flow against the stand-in with the real @azure/arm-compute 23.3.0:
// disk, VM writes, incremental snapshots, read SAS, diff by x-ms-previous-snapshot-url, revoke.
import { AnonymousCredential, PageBlobClient } from "@azure/storage-blob";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixedVhdFooter } from "../../local/arm/index";
import { GIB, POLL, type StandInHarness, startHarness } from "./harness";

let h: StandInHarness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const bytes = (length: number, fill: number) => Buffer.alloc(length, fill);
/** A client authorized by nothing but the SAS in its URL, as the app's reader is. */
const sasClient = (url: string) => new PageBlobClient(url, new AnonymousCredential());

/** Every diff range between two snapshot SAS URLs, in windows, with the service's inclusive ends. */
async function diff(newerSas: string, olderSas: string, size: number, window = 256 * 1024 * 1024) {
  const pages: [number, number][] = [];
  const clears: [number, number][] = [];
  const client = sasClient(newerSas);
  for (let offset = 0; offset < size; offset += window) {
    const count = Math.min(window, size - offset);
    const result = await client.getPageRangesDiffForManagedDisks(offset, count, olderSas);
    // The SDK reports { offset, count } with count = end - start: the service's end is inclusive.
    for (const r of result.pageRange ?? []) pages.push([r.offset, r.offset + (r.count ?? 0)]);
    for (const r of result.clearRange ?? []) clears.push([r.offset, r.offset + (r.count ?? 0)]);
  }
  return { pages, clears };
}

describe("managed disk flow through the stand-in", () => {
  it("creates a disk whose blob is diskSizeBytes + 512 with a fixed-VHD footer", async () => {
    const disk = await h.client.disks.beginCreateOrUpdateAndWait(
      h.resourceGroup,
      "data1",
      {
        location: "local",
        sku: { name: "Premium_LRS" },
        diskSizeGB: 1,
        creationData: { createOption: "Empty" },
      },
      POLL,
    );
    expect(disk.provisioningState).toBe("Succeeded");
    expect(disk.diskSizeBytes).toBe(GIB);
    expect(disk.diskSizeGB).toBe(1);
    expect(disk.diskState).toBe("Unattached");
    expect(disk.uniqueId).toMatch(/^[0-9a-f-]{36}$/);
    expect(disk.creationData?.logicalSectorSize).toBe(512);
    expect(disk.id).toBe(h.diskId("data1"));
    const props = await h.diskBlob("data1").getProperties();
    expect(props.contentLength).toBe(GIB + 512);
    const footer = await h.diskBlob("data1").download(GIB, 512);
    const text = Buffer.from(await new Response(footer.readableStreamBody as never).arrayBuffer());
    expect(text.toString("ascii", 0, 8)).toBe("conectix");
    expect(text.readBigUInt64BE(48)).toBe(BigInt(GIB));
    const listed = [];
    for await (const d of h.client.disks.listByResourceGroup(h.resourceGroup)) listed.push(d.name);
    expect(listed).toEqual(["data1"]);
  });

  it("snapshots incrementally, reads through the SAS, diffs two snapshots exactly, revokes", async () => {
    const blob = h.diskBlob("data1");
    await blob.uploadPages(bytes(8192, 1), 0, 8192);
    await blob.uploadPages(bytes(4096, 2), 512 * 1024 * 1024, 4096);
    const snapshotBody = {
      location: "local",
      incremental: true,
      creationData: { createOption: "Copy", sourceResourceId: h.diskId("data1") },
    };
    const s1 = await h.client.snapshots.beginCreateOrUpdateAndWait(
      h.resourceGroup,
      "data1-s1",
      snapshotBody,
      POLL,
    );
    expect(s1.incremental).toBe(true);
    expect(s1.creationData?.sourceResourceId).toBe(h.diskId("data1"));
    const disk = await h.client.disks.get(h.resourceGroup, "data1");
    expect(s1.creationData?.sourceUniqueId).toBe(disk.uniqueId);
    expect(s1.incrementalSnapshotFamilyId).toMatch(/^[0-9a-f-]{36}$/);
    expect(s1.diskSizeBytes).toBe(GIB);
    expect(s1.completionPercent).toBe(100);
    expect(s1.snapshotAccessState).toBe("Available");

    // The VM writes after the first snapshot: changed, cleared, rewritten identically.
    await blob.uploadPages(bytes(1024, 3), 4096, 1024);
    await blob.clearPages(512 * 1024 * 1024, 4096);
    await blob.uploadPages(bytes(512, 9), 900 * 1024 * 1024, 512);
    const s2 = await h.client.snapshots.beginCreateOrUpdateAndWait(
      h.resourceGroup,
      "data1-s2",
      snapshotBody,
      POLL,
    );
    expect(s2.incrementalSnapshotFamilyId).toBe(s1.incrementalSnapshotFamilyId);

    const g1 = await h.client.snapshots.beginGrantAccessAndWait(
      h.resourceGroup,
      "data1-s1",
      { access: "Read", durationInSeconds: 3600 },
      POLL,
    );
    const g2 = await h.client.snapshots.beginGrantAccessAndWait(
      h.resourceGroup,
      "data1-s2",
      { access: "Read", durationInSeconds: 3600 },
      POLL,
    );
    expect(g1.accessSAS).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/devdiskaccount\//);
    expect((await h.client.snapshots.get(h.resourceGroup, "data1-s1")).diskState).toBe("ActiveSAS");

    // The first snapshot reads as the disk was then, whatever the VM wrote since.
    const old = sasClient(g1.accessSAS as string);
    expect((await old.getProperties()).contentLength).toBe(GIB + 512);
    const head = await old.downloadToBuffer(0, 8192);
    expect(head.equals(bytes(8192, 1))).toBe(true);

    const { pages, clears } = await diff(g2.accessSAS as string, g1.accessSAS as string, GIB + 512);
    expect(pages).toEqual([
      [4096, 5119],
      [900 * 1024 * 1024, 900 * 1024 * 1024 + 511],
    ]);
    expect(clears).toEqual([[512 * 1024 * 1024, 512 * 1024 * 1024 + 4095]]);

    await h.client.snapshots.beginRevokeAccessAndWait(h.resourceGroup, "data1-s1", POLL);
    await expect(old.getProperties()).rejects.toMatchObject({ statusCode: 403 });
    // A revoked previous-snapshot SAS cannot serve as the diff base either, even for a window
    // whose diff was computed (and cached by the emulator) before the revoke.
    await expect(diff(g2.accessSAS as string, g1.accessSAS as string, GIB + 512)).rejects.toMatchObject({
      statusCode: 403,
    });
    expect((await h.client.snapshots.get(h.resourceGroup, "data1-s1")).diskState).toBe("Unattached");
    await h.client.snapshots.beginRevokeAccessAndWait(h.resourceGroup, "data1-s2", POLL);
    await expect(sasClient(g2.accessSAS as string).getProperties()).rejects.toMatchObject({
      statusCode: 403,
    });
  });

  it("keeps snapshots when their disk is deleted, and a recreated disk gets a new uniqueId", async () => {
    const before = await h.client.disks.get(h.resourceGroup, "data1");
    await h.client.disks.beginDeleteAndWait(h.resourceGroup, "data1", POLL);
    await expect(h.client.disks.get(h.resourceGroup, "data1")).rejects.toMatchObject({
      statusCode: 404,
      code: "ResourceNotFound",
    });
    const kept = await h.client.snapshots.get(h.resourceGroup, "data1-s1");
    const grant = await h.client.snapshots.beginGrantAccessAndWait(
      h.resourceGroup,
      "data1-s1",
      { access: "Read", durationInSeconds: 600 },
      POLL,
    );
    const head = await sasClient(grant.accessSAS as string).downloadToBuffer(0, 8192);
    expect(head.equals(bytes(8192, 1))).toBe(true);
    await h.client.snapshots.beginRevokeAccessAndWait(h.resourceGroup, "data1-s1", POLL);
    const again = await h.client.disks.beginCreateOrUpdateAndWait(
      h.resourceGroup,
      "data1",
      { location: "local", diskSizeGB: 1, creationData: { createOption: "Empty" } },
      POLL,
    );
    expect(again.uniqueId).not.toBe(before.uniqueId);
    expect(kept.creationData?.sourceUniqueId).toBe(before.uniqueId);
    const s3 = await h.client.snapshots.beginCreateOrUpdateAndWait(
      h.resourceGroup,
      "data1-s3",
      {
        location: "local",
        incremental: true,
        creationData: { createOption: "Copy", sourceResourceId: h.diskId("data1") },
      },
      POLL,
    );
    expect(s3.incrementalSnapshotFamilyId).not.toBe(kept.incrementalSnapshotFamilyId);
    expect(s3.creationData?.sourceUniqueId).toBe(again.uniqueId);
    // Snapshots of the old and the recreated disk do not diff.
    const read = async (name: string) =>
      (
        await h.client.snapshots.beginGrantAccessAndWait(
          h.resourceGroup,
          name,
          { access: "Read", durationInSeconds: 600 },
          POLL,
        )
      ).accessSAS as string;
    const [oldSas, newSas] = [await read("data1-s1"), await read("data1-s3")];
    await expect(diff(newSas, oldSas, GIB + 512)).rejects.toMatchObject({
      statusCode: 409,
      code: "BlobOverwritten",
    });
    for (const name of ["data1-s1", "data1-s3"]) {
      await h.client.snapshots.beginRevokeAccessAndWait(h.resourceGroup, name, POLL);
    }
  });

  it("creates a disk as a copy of a snapshot, with the snapshot's bytes", async () => {
    const copy = await h.client.disks.beginCreateOrUpdateAndWait(
      h.resourceGroup,
      "copy1",
      {
        location: "local",
        creationData: {
          createOption: "Copy",
          sourceResourceId: `/subscriptions/${h.standIn.subscriptionId}/resourceGroups/${h.resourceGroup}/providers/Microsoft.Compute/snapshots/data1-s2`,
        },
      },
      POLL,
    );
    expect(copy.diskSizeBytes).toBe(GIB);
    const data = await h.diskBlob("copy1").downloadToBuffer(4096, 1024);
    expect(data.equals(bytes(1024, 3))).toBe(true);
    const footer = await h.diskBlob("copy1").downloadToBuffer(GIB, 512);
    expect(footer.toString("ascii", 0, 8)).toBe("conectix");
    expect(fixedVhdFooter(GIB).readBigUInt64BE(48)).toBe(footer.readBigUInt64BE(48));
    // A snapshot of the copy is of another family: no diff against the original's snapshots.
    await h.client.snapshots.beginCreateOrUpdateAndWait(
      h.resourceGroup,
      "copy1-s1",
      {
        location: "local",
        incremental: true,
        creationData: { createOption: "Copy", sourceResourceId: h.diskId("copy1") },
      },
      POLL,
    );
    const grant = (name: string) =>
      h.client.snapshots.beginGrantAccessAndWait(
        h.resourceGroup,
        name,
        { access: "Read", durationInSeconds: 600 },
        POLL,
      );
    const copySas = (await grant("copy1-s1")).accessSAS as string;
    const originalSas = (await grant("data1-s2")).accessSAS as string;
    await expect(diff(copySas, originalSas, GIB + 512)).rejects.toMatchObject({
      statusCode: 409,
      code: "PreviousSnapshotNotFound",
    });
  });
});

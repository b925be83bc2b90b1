// Resizing a managed disk: its blob grows, the footer moves to the new end, snapshots before and
// after diff as the service's do, and not at all across the 4 TiB boundary.
import { AnonymousCredential, PageBlobClient } from "@azure/storage-blob";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GIB, POLL, type StandInHarness, startHarness } from "./harness";

let h: StandInHarness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const createDisk = (name: string, diskSizeGB: number) =>
  h.client.disks.beginCreateOrUpdateAndWait(
    h.resourceGroup,
    name,
    { location: "local", diskSizeGB, creationData: { createOption: "Empty" } },
    POLL,
  );

async function snapshotSas(disk: string, name: string): Promise<string> {
  await h.client.snapshots.beginCreateOrUpdateAndWait(
    h.resourceGroup,
    name,
    {
      location: "local",
      incremental: true,
      creationData: { createOption: "Copy", sourceResourceId: h.diskId(disk) },
    },
    POLL,
  );
  const grant = await h.client.snapshots.beginGrantAccessAndWait(
    h.resourceGroup,
    name,
    { access: "Read", durationInSeconds: 600 },
    POLL,
  );
  return grant.accessSAS as string;
}

describe("resize", () => {
  it("grows a disk: the old footer page is cleared, the new footer ends the blob", async () => {
    await createDisk("g1", 1);
    await h.diskBlob("g1").uploadPages(Buffer.alloc(512, 4), 0, 512);
    const before = await snapshotSas("g1", "g1-s1");
    const grown = await createDisk("g1", 2);
    expect(grown.diskSizeBytes).toBe(2 * GIB);
    expect((await h.diskBlob("g1").getProperties()).contentLength).toBe(2 * GIB + 512);
    const after = await snapshotSas("g1", "g1-s2");
    const diff = await new PageBlobClient(after, new AnonymousCredential()).getPageRangesDiffForManagedDisks(
      0,
      2 * GIB + 512,
      before,
    );
    expect(diff.pageRange?.map((r) => [r.offset, r.offset + (r.count ?? 0)])).toEqual([
      [2 * GIB, 2 * GIB + 511],
    ]);
    expect(diff.clearRange?.map((r) => [r.offset, r.offset + (r.count ?? 0)])).toEqual([[GIB, GIB + 511]]);
    await expect(createDisk("g1", 1)).rejects.toMatchObject({ statusCode: 409 });
    for (const name of ["g1-s1", "g1-s2"]) {
      await h.client.snapshots.beginRevokeAccessAndWait(h.resourceGroup, name, POLL);
    }
  });

  it("refuses to diff snapshots taken on either side of a resize across 4 TiB", async () => {
    await createDisk("big", 4095);
    const before = await snapshotSas("big", "big-s1");
    await createDisk("big", 4097);
    const after = await snapshotSas("big", "big-s2");
    await expect(
      new PageBlobClient(after, new AnonymousCredential()).getPageRangesDiffForManagedDisks(
        0,
        4 * 1024 * 1024,
        before,
      ),
    ).rejects.toMatchObject({ statusCode: 409, code: "PreviousSnapshotOperationNotSupported" });
    for (const name of ["big-s1", "big-s2"]) {
      await h.client.snapshots.beginRevokeAccessAndWait(h.resourceGroup, name, POLL);
    }
  });
});

// Conformance of Get Page Ranges diffs and paging through the emulator, with the real SDK.

import { BlobSASPermissions, type ContainerClient } from "@azure/storage-blob";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emu, fetchDiff, newContainer, pathOf } from "./helpers";

const KiB = 1024;

describe("page ranges diff", () => {
  let container: ContainerClient;
  beforeAll(async () => {
    container = await newContainer("diff");
  });
  afterAll(async () => {
    await container.delete();
  });

  it("reports writes and clears since the previous snapshot (issue #812 scenario)", async () => {
    const blob = container.getPageBlobClient("a.vhd");
    await blob.create(16 * KiB);
    await blob.uploadPages(Buffer.alloc(4 * KiB, 1), 0, 4 * KiB);
    const s1 = (await blob.createSnapshot()).snapshot!;
    await blob.uploadPages(Buffer.alloc(KiB, 2), 8 * KiB, KiB);
    await blob.clearPages(0, KiB);
    const s2 = (await blob.createSnapshot()).snapshot!;
    const diff = await blob.withSnapshot(s2).getPageRangesDiff(0, 16 * KiB, s1);
    // SDK quirk: count = end - start (one short of the length).
    expect(diff.pageRange).toEqual([{ offset: 8 * KiB, count: KiB - 1 }]);
    expect(diff.clearRange).toEqual([{ offset: 0, count: KiB - 1 }]);
    const onBase = await blob.getPageRangesDiff(0, 16 * KiB, s1);
    expect(onBase.pageRange).toEqual(diff.pageRange);
    expect(onBase.clearRange).toEqual(diff.clearRange);
    const sub = await blob.withSnapshot(s2).getPageRangesDiff(512, 16 * KiB - 512, s1);
    expect(sub.clearRange).toEqual([{ offset: 512, count: 511 }]);
    const stats = await emu.control.getStats(pathOf(container));
    expect(stats.operations.getPageRangesDiff?.requests).toBe(3);
  });

  it("reports identical rewrites in journal mode and not in compare mode", async () => {
    const blob = container.getPageBlobClient("same.vhd");
    await blob.create(8 * KiB);
    await blob.uploadPages(Buffer.alloc(2 * KiB, 5), 0, 2 * KiB);
    const s1 = (await blob.createSnapshot()).snapshot!;
    await blob.uploadPages(Buffer.alloc(KiB, 5), 0, KiB);
    const journal = await blob.getPageRangesDiff(0, 8 * KiB, s1);
    expect(journal.pageRange).toEqual([{ offset: 0, count: KiB - 1 }]);
    await emu.control.setDiffMode("compare", `${pathOf(container)}/same.vhd`);
    const compare = await blob.getPageRangesDiff(0, 8 * KiB, s1);
    expect(compare.pageRange).toEqual([]);
    expect(compare.clearRange).toEqual([]);
  });

  it("pages diffs with maxresults and the service's marker shape", async () => {
    const blob = container.getPageBlobClient("paged.vhd");
    await blob.create(64 * KiB);
    const s1 = (await blob.createSnapshot()).snapshot!;
    for (let i = 0; i < 10; i++) await blob.uploadPages(Buffer.alloc(512, i + 1), i * 4 * KiB, 512);
    const diff = await fetchDiff(blob, s1, 64 * KiB, 3);
    expect(diff.pagesFetched).toBe(4);
    expect(diff.pages.map((r) => r.start)).toEqual(Array.from({ length: 10 }, (_, i) => i * 4 * KiB));
    const pages = blob.listPageRangesDiff(0, 64 * KiB, s1).byPage({ maxPageSize: 4 });
    const first = (await pages.next()).value;
    expect(first.continuationToken).toMatch(/^2!\d+!/);
  });

  it("coalesces and pages plain page lists", async () => {
    const blob = container.getPageBlobClient("plain.vhd");
    await blob.create(64 * KiB);
    for (let i = 0; i < 8; i++) await blob.uploadPages(Buffer.alloc(512, 1), i * 512, 512);
    await blob.uploadPages(Buffer.alloc(512, 1), 8 * KiB, 512);
    await blob.uploadPages(Buffer.alloc(512, 1), 16 * KiB, 512);
    const all = await blob.getPageRanges(0, 64 * KiB);
    expect(all.pageRange).toEqual([
      { offset: 0, count: 4 * KiB - 1 },
      { offset: 8 * KiB, count: 511 },
      { offset: 16 * KiB, count: 511 },
    ]);
    const starts: number[] = [];
    let pagesSeen = 0;
    for await (const page of blob.listPageRanges().byPage({ maxPageSize: 1 })) {
      pagesSeen++;
      for (const r of page.pageRange ?? []) starts.push(r.start!);
    }
    expect(pagesSeen).toBe(3);
    expect(starts).toEqual([0, 8 * KiB, 16 * KiB]);
  });

  it("answers the service's errors", async () => {
    const blob = container.getPageBlobClient("errors.vhd");
    await blob.create(8 * KiB);
    const s1 = (await blob.createSnapshot()).snapshot!;
    const s2 = (await blob.createSnapshot()).snapshot!;
    await expect(blob.withSnapshot(s1).getPageRangesDiff(0, 8 * KiB, s2)).rejects.toMatchObject({
      statusCode: 400,
      code: "PreviousSnapshotCannotBeNewer",
    });
    await expect(blob.getPageRangesDiff(0, 8 * KiB, "2001-01-01T00:00:00.0000000Z")).rejects.toMatchObject({
      statusCode: 409,
      code: "PreviousSnapshotNotFound",
    });
    await expect(blob.getPageRangesDiff(0, 8 * KiB, "bogus")).rejects.toMatchObject({ statusCode: 400 });
    await expect(blob.getPageRangesDiff(16 * KiB, 512, s1)).rejects.toMatchObject({ statusCode: 416 });
    await expect(
      blob.listPageRanges().byPage({ maxPageSize: 1, continuationToken: "garbage" }).next(),
    ).rejects.toMatchObject({
      statusCode: 400,
    });
    await blob.create(8 * KiB);
    await expect(blob.getPageRangesDiff(0, 8 * KiB, s2)).rejects.toMatchObject({
      statusCode: 409,
      code: "BlobOverwritten",
    });
    await blob.withSnapshot(s1).delete();
    await expect(blob.withSnapshot(s2).getPageRangesDiff(0, 8 * KiB, s1)).rejects.toMatchObject({
      statusCode: 409,
      code: "PreviousSnapshotNotFound",
    });
  });

  it("answers BlobOverwritten after Copy Blob over the blob, and 400 for bad maxresults", async () => {
    const blob = container.getPageBlobClient("copied-over.vhd");
    await blob.create(8 * KiB);
    const s1 = (await blob.createSnapshot()).snapshot!;
    const other = container.getPageBlobClient("other.vhd");
    await other.create(8 * KiB);
    await other.uploadPages(Buffer.alloc(KiB, 4), 0, KiB);
    await (await blob.beginCopyFromURL(other.url)).pollUntilDone();
    await expect(blob.getPageRangesDiff(0, 8 * KiB, s1)).rejects.toMatchObject({
      statusCode: 409,
      code: "BlobOverwritten",
    });
    const sas = await blob.generateSasUrl({
      permissions: BlobSASPermissions.parse("r"),
      expiresOn: new Date(Date.now() + 3600_000),
    });
    for (const bad of ["0", "-1", "x"]) {
      const response = await fetch(`${sas}&comp=pagelist&maxresults=${bad}`, {
        headers: { "x-ms-version": "2025-11-05" },
      });
      expect(response.status).toBe(400);
      expect(response.headers.get("x-ms-error-code")).toMatch(/QueryParameterValue$/);
    }
    const capped = await fetch(`${sas}&comp=pagelist&maxresults=50000`, {
      headers: { "x-ms-version": "2025-11-05" },
    });
    expect(capped.status).toBe(200);
    expect(await capped.text()).toContain("<PageRange><Start>0</Start><End>1023</End></PageRange>");
  });

  it("serves the managed-disk form (x-ms-previous-snapshot-url)", async () => {
    const blob = container.getPageBlobClient("managed.vhd");
    await blob.create(8 * KiB);
    const s1 = (await blob.createSnapshot()).snapshot!;
    await blob.uploadPages(Buffer.alloc(KiB, 9), 2 * KiB, KiB);
    const diff = await blob.getPageRangesDiffForManagedDisks(0, 8 * KiB, blob.withSnapshot(s1).url);
    expect(diff.pageRange).toEqual([{ offset: 2 * KiB, count: KiB - 1 }]);
    const elsewhere = container.getPageBlobClient("elsewhere.vhd");
    await elsewhere.create(8 * KiB);
    const foreign = (await elsewhere.createSnapshot()).snapshot!;
    await expect(
      blob.getPageRangesDiffForManagedDisks(0, 8 * KiB, elsewhere.withSnapshot(foreign).url),
    ).rejects.toMatchObject({ statusCode: 409, code: "PreviousSnapshotNotFound" });
  });
});

// Put Page From URL (with and without a SAS, conditions, lease) and Copy Blob isolation.
import { createHash } from "node:crypto";
import {
  BlobSASPermissions,
  type ContainerClient,
  generateBlobSASQueryParameters,
  PageBlobClient,
  StorageSharedKeyCredential,
} from "@azure/storage-blob";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emu, newContainer, pathOf, SOURCE } from "./helpers";

const KiB = 1024;
const BACKUP = "devbackupaccount";

function sasUrl(blob: PageBlobClient, snapshot?: string): string {
  const sas = generateBlobSASQueryParameters(
    {
      containerName: blob.containerName,
      blobName: blob.name,
      snapshotTime: snapshot,
      permissions: BlobSASPermissions.parse("r"),
      expiresOn: new Date(Date.now() + 3600_000),
    },
    emu.credential(SOURCE),
  );
  return `${(snapshot ? blob.withSnapshot(snapshot) : blob).url}${snapshot ? "&" : "?"}${sas.toString()}`;
}

describe("Put Page From URL and Copy Blob", () => {
  let source: ContainerClient;
  let backup: ContainerClient;
  beforeAll(async () => {
    source = await newContainer("ppfu");
    backup = await newContainer("ppfub", BACKUP);
  });
  afterAll(async () => {
    await source.delete();
    await backup.delete();
  });

  it("accepts a Put Page From URL signed with the path's account key, refuses another account's or a wrong key", async () => {
    const disk = source.getPageBlobClient("signed-source.vhd");
    await disk.create(8 * KiB);
    await disk.uploadPages(Buffer.alloc(4 * KiB, 5), 0, 4 * KiB);
    const target = backup.getPageBlobClient("signed-target.vhd");
    await target.create(8 * KiB);
    // Signed by the source account's key (a valid signature for that account), aimed at the backup account.
    const otherAccount = new PageBlobClient(target.url, emu.credential(SOURCE));
    // The right account's name, another key.
    const wrongKey = new PageBlobClient(
      target.url,
      new StorageSharedKeyCredential(BACKUP, Buffer.alloc(64, 1).toString("base64")),
    );
    for (const client of [otherAccount, wrongKey]) {
      await expect(client.uploadPagesFromURL(sasUrl(disk), 0, 0, 4 * KiB)).rejects.toMatchObject({
        statusCode: 403,
        code: "AuthorizationFailure",
      });
    }
    expect((await target.getPageRanges(0, 8 * KiB)).pageRange ?? []).toEqual([]);
    await target.uploadPagesFromURL(sasUrl(disk), 0, 0, 4 * KiB);
    expect((await target.downloadToBuffer(0, 4 * KiB)).every((b) => b === 5)).toBe(true);
  });

  it("copies the source range across accounts with a SAS and counts the bytes", async () => {
    const disk = source.getPageBlobClient("disk.vhd");
    await disk.create(16 * KiB);
    const data = Buffer.alloc(8 * KiB);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7) % 251;
    await disk.uploadPages(data, 8 * KiB, 8 * KiB);
    const snap = (await disk.createSnapshot()).snapshot!;
    await disk.uploadPages(Buffer.alloc(8 * KiB, 0xee), 8 * KiB, 8 * KiB);
    const target = backup.getPageBlobClient("copy.vhd");
    await target.create(16 * KiB);
    await emu.control.resetStats(pathOf(backup));
    const response = await target.uploadPagesFromURL(sasUrl(disk, snap), 12 * KiB, 0, 4 * KiB);
    expect(response.etag).toBeDefined();
    const read = await target.downloadToBuffer(0, 16 * KiB);
    expect(read.subarray(0, 4 * KiB).equals(data.subarray(4 * KiB))).toBe(true);
    expect(read.subarray(4 * KiB).every((b) => b === 0)).toBe(true);
    const stats = await emu.control.getStats(pathOf(backup));
    expect(stats.operations.putPageFromUrl).toEqual({ requests: 1, bytesIn: 4 * KiB, bytesOut: 0 });
    expect((await emu.control.getStats(pathOf(source))).operations.getBlob?.requests).toBe(0);
  });

  it("copies whole 4 MiB chunks exactly, in the middle and at the end of the source", async () => {
    // 4 MiB copies read one extra page from Azurite (to skip its MD5 of small GETs) and trim it again.
    const MiB = KiB * KiB;
    const disk = source.getPageBlobClient("big.vhd");
    await disk.create(12 * MiB);
    const data = Buffer.alloc(12 * MiB);
    for (let i = 0; i < data.length; i += 4) data.writeUInt32LE(i, i);
    for (let o = 0; o < data.length; o += 4 * MiB)
      await disk.uploadPages(data.subarray(o, o + 4 * MiB), o, 4 * MiB);
    const target = backup.getPageBlobClient("big-copy.vhd");
    await target.create(12 * MiB);
    for (const offset of [4 * MiB - 512, 8 * MiB]) {
      const want = data.subarray(offset, offset + 4 * MiB);
      const md5 = createHash("md5").update(want).digest();
      await target.uploadPagesFromURL(sasUrl(disk), offset, offset, 4 * MiB, {
        sourceContentMD5: new Uint8Array(md5),
      });
    }
    const read = await target.downloadToBuffer(0, 12 * MiB);
    expect(read.subarray(0, 4 * MiB - 512).every((b) => b === 0)).toBe(true);
    expect(
      read.subarray(4 * MiB - 512, 8 * MiB - 512).equals(data.subarray(4 * MiB - 512, 8 * MiB - 512)),
    ).toBe(true);
    expect(read.subarray(8 * MiB - 512, 8 * MiB).every((b) => b === 0)).toBe(true);
    expect(read.subarray(8 * MiB).equals(data.subarray(8 * MiB))).toBe(true);
    await expect(target.uploadPagesFromURL(sasUrl(disk), 10 * MiB, 0, 4 * MiB)).rejects.toMatchObject({
      statusCode: 416,
    });
  });

  it("refuses a private source without a SAS and checks source and destination conditions", async () => {
    const disk = source.getPageBlobClient("private.vhd");
    await disk.create(8 * KiB);
    await disk.uploadPages(Buffer.alloc(KiB, 3), 0, KiB);
    const target = backup.getPageBlobClient("cond.vhd");
    await target.create(8 * KiB);
    await expect(target.uploadPagesFromURL(disk.url, 0, 0, KiB)).rejects.toMatchObject({
      statusCode: 403,
      code: "CannotVerifyCopySource",
    });
    await expect(
      target.uploadPagesFromURL(sasUrl(disk), 0, 0, KiB, { sourceConditions: { ifMatch: '"0x1234"' } }),
    ).rejects.toMatchObject({ statusCode: 412, code: "SourceConditionNotMet" });
    await expect(
      target.uploadPagesFromURL(sasUrl(disk), 0, 0, KiB, { conditions: { ifSequenceNumberEqualTo: 5 } }),
    ).rejects.toMatchObject({ statusCode: 412, code: "SequenceNumberConditionNotMet" });
    const lease = await target.getBlobLeaseClient().acquireLease(-1);
    await expect(target.uploadPagesFromURL(sasUrl(disk), 0, 0, KiB)).rejects.toMatchObject({
      statusCode: 412,
    });
    await target.uploadPagesFromURL(sasUrl(disk), 0, 0, KiB, { conditions: { leaseId: lease.leaseId } });
    await target.getBlobLeaseClient(lease.leaseId).releaseLease();
    expect((await target.downloadToBuffer(0, KiB)).every((b) => b === 3)).toBe(true);
    await expect(target.uploadPagesFromURL(sasUrl(disk), 0, 0, 5 * KiB * KiB)).rejects.toMatchObject({
      statusCode: 413,
    });
    await expect(target.uploadPagesFromURL(sasUrl(disk), 0, 100, 512)).rejects.toMatchObject({
      statusCode: 416,
    });
    await expect(
      target.uploadPagesFromURL(sasUrl(disk), 0, 0, KiB, { sourceContentMD5: new Uint8Array(16) }),
    ).rejects.toMatchObject({ statusCode: 400, code: "Md5Mismatch" });
    await expect(
      target.uploadPagesFromURL(sasUrl(disk), 0, 0, KiB, { sourceContentCrc64: new Uint8Array(8) }),
    ).rejects.toMatchObject({ statusCode: 400, code: "Crc64Mismatch" });
    const md5 = createHash("md5").update(Buffer.alloc(KiB, 3)).digest();
    await target.uploadPagesFromURL(sasUrl(disk), 0, 0, KiB, { sourceContentMD5: new Uint8Array(md5) });
    await expect(
      backup.getPageBlobClient("missing.vhd").uploadPagesFromURL(sasUrl(disk), 0, 0, KiB),
    ).rejects.toMatchObject({ statusCode: 404, code: "BlobNotFound" });
    await expect(
      target.uploadPagesFromURL(sasUrl(source.getPageBlobClient("nope.vhd")), 0, 0, KiB),
    ).rejects.toMatchObject({ statusCode: 404, code: "CannotVerifyCopySource" });
    const wrongKey = new PageBlobClient(
      target.url,
      new StorageSharedKeyCredential(BACKUP, Buffer.alloc(64, 1).toString("base64")),
      { retryOptions: { maxTries: 1 } },
    );
    await expect(wrongKey.uploadPagesFromURL(sasUrl(disk), 0, 0, KiB)).rejects.toMatchObject({
      statusCode: 403,
    });
  });

  it("keeps a copy pending when asked: status, writes and snapshots refused, then complete or aborted", async () => {
    const disk = source.getPageBlobClient("pending-source.vhd");
    await disk.create(16 * KiB);
    await disk.uploadPages(Buffer.alloc(8 * KiB, 4), 0, 8 * KiB);
    await emu.control.setCopyPending(60_000, pathOf(backup));
    try {
      const first = backup.getPageBlobClient("pending-1.vhd");
      const poller = await first.beginCopyFromURL(sasUrl(disk));
      poller.stopPolling();
      const props = await first.getProperties();
      expect(props).toMatchObject({ copyStatus: "pending", copyProgress: `0/${16 * KiB}` });
      await expect(first.createSnapshot()).rejects.toMatchObject({
        statusCode: 409,
        code: "PendingCopyOperation",
      });
      await expect(first.uploadPages(Buffer.alloc(512), 0, 512)).rejects.toMatchObject({
        statusCode: 409,
        code: "PendingCopyOperation",
      });
      // Aborted: empty, its metadata kept, writable again.
      await first.abortCopyFromURL(props.copyId!);
      const aborted = await first.getProperties();
      expect(aborted.contentLength).toBe(0);
      expect(aborted.copyStatus).not.toBe("pending");
      const second = backup.getPageBlobClient("pending-2.vhd");
      (await second.beginCopyFromURL(sasUrl(disk))).stopPolling();
      expect((await second.getProperties()).copyStatus).toBe("pending");
      // Pending time set to 0: copies pending now complete at once.
      await emu.control.setCopyPending(0, pathOf(backup));
      expect((await second.getProperties()).copyStatus).toBe("success");
      const copied = await second.downloadToBuffer(0, 16 * KiB);
      expect(copied.subarray(0, 8 * KiB).every((b) => b === 4)).toBe(true);
      expect(copied.subarray(8 * KiB).every((b) => b === 0)).toBe(true);
      await second.createSnapshot();
    } finally {
      await emu.control.setCopyPending(0, pathOf(backup));
    }
  });

  it("makes copies independent of their source snapshot (no aliasing)", async () => {
    const disk = source.getPageBlobClient("origin.vhd");
    await disk.create(16 * KiB);
    await disk.uploadPages(Buffer.alloc(4 * KiB, 1), 0, 4 * KiB);
    await disk.setMetadata({ owner: "test" });
    const snap = (await disk.createSnapshot()).snapshot!;
    for (const [name, url] of [
      ["restored-sharedkey.vhd", disk.withSnapshot(snap).url],
      ["restored-sas.vhd", sasUrl(disk, snap)],
    ] as const) {
      const restored = source.getPageBlobClient(name);
      const poller = await restored.beginCopyFromURL(url);
      await poller.pollUntilDone();
      await restored.uploadPages(Buffer.alloc(4 * KiB, 9), 8 * KiB, 4 * KiB);
      await restored.clearPages(0, KiB);
      const snapshotRanges = await disk.withSnapshot(snap).getPageRanges(0, 16 * KiB);
      expect(snapshotRanges.pageRange).toEqual([{ offset: 0, count: 4 * KiB - 1 }]);
      const snapshotData = await disk.withSnapshot(snap).downloadToBuffer(0, 16 * KiB);
      expect(snapshotData.subarray(0, 4 * KiB).every((b) => b === 1)).toBe(true);
      expect(snapshotData.subarray(8 * KiB).every((b) => b === 0)).toBe(true);
      const copy = await restored.downloadToBuffer(0, 16 * KiB);
      expect(copy.subarray(0, KiB).every((b) => b === 0)).toBe(true);
      expect(copy.subarray(KiB, 4 * KiB).every((b) => b === 1)).toBe(true);
      expect((await restored.getProperties()).metadata).toEqual({ owner: "test" });
    }
    // Writing the source base must not show up in a copy of it either.
    const copyOfBase = backup.getPageBlobClient("base-copy.vhd");
    const sas = sasUrl(disk);
    await (await copyOfBase.beginCopyFromURL(sas)).pollUntilDone();
    await disk.uploadPages(Buffer.alloc(KiB, 7), 12 * KiB, KiB);
    expect((await copyOfBase.getPageRanges(0, 16 * KiB)).pageRange).toEqual([
      { offset: 0, count: 4 * KiB - 1 },
    ]);
  });
});

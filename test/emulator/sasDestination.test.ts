// Put Page From URL into a destination authorized by its own SAS (a managed disk's upload URL is one):
// a SAS with write permission may be written, a read-only SAS is refused with 403 and writes nothing
// (Azurite had no SAS permission for the operation and answered 500; local/emulator/sasPermissions.ts).
import { randomBytes } from "node:crypto";
import {
  AnonymousCredential,
  BlobSASPermissions,
  type ContainerClient,
  generateBlobSASQueryParameters,
  PageBlobClient,
} from "@azure/storage-blob";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emu, newContainer, SOURCE } from "./helpers";

const KiB = 1024;
const BACKUP = "devbackupaccount";

function sasOf(blob: PageBlobClient, account: string, permissions: string): string {
  const sas = generateBlobSASQueryParameters(
    {
      containerName: blob.containerName,
      blobName: blob.name,
      permissions: BlobSASPermissions.parse(permissions),
      expiresOn: new Date(Date.now() + 3600_000),
    },
    emu.credential(account),
  );
  return `${blob.url}?${sas.toString()}`;
}

describe("Put Page From URL into a SAS-authorized destination", () => {
  let source: ContainerClient;
  let target: ContainerClient;
  beforeAll(async () => {
    source = await newContainer("sasdsrc");
    target = await newContainer("sasdtgt", BACKUP);
  });
  afterAll(async () => {
    await source.delete();
    await target.delete();
  });

  it("writes with a write SAS and refuses a read-only SAS", async () => {
    const disk = source.getPageBlobClient("disk.vhd");
    await disk.create(64 * KiB);
    const data = randomBytes(16 * KiB);
    await disk.uploadPages(data, 16 * KiB, 16 * KiB);
    const upload = target.getPageBlobClient("upload.vhd");
    await upload.create(64 * KiB);
    const readable = sasOf(disk, SOURCE, "r");
    const writer = new PageBlobClient(sasOf(upload, BACKUP, "rw"), new AnonymousCredential());
    await writer.uploadPagesFromURL(readable, 16 * KiB, 32 * KiB, 16 * KiB);
    expect((await upload.downloadToBuffer(32 * KiB, 16 * KiB)).equals(data)).toBe(true);

    const reader = new PageBlobClient(sasOf(upload, BACKUP, "r"), new AnonymousCredential());
    await expect(reader.uploadPagesFromURL(readable, 16 * KiB, 0, 16 * KiB)).rejects.toMatchObject({
      statusCode: 403,
    });
    expect((await upload.downloadToBuffer(0, 16 * KiB)).every((b) => b === 0)).toBe(true);
  });
});

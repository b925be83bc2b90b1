// Smoke test: the emulator's blob port relays SDK traffic to Azurite, counts it, and serves tables.
import { TableClient } from "@azure/data-tables";
import { describe, expect, it } from "vitest";
import { testEmulator, uniqueName } from "../support/emulator";

describe("storage emulator smoke", () => {
  const emu = testEmulator();

  it("creates, writes and reads a page blob through the proxy and counts the bytes", async () => {
    const container = emu.blobService("devstoreaccount1").getContainerClient(uniqueName("smoke"));
    await container.create();
    const prefix = `/devstoreaccount1/${container.containerName}`;
    const blob = container.getPageBlobClient("disk.vhd");
    await blob.create(8192);
    const data = Buffer.alloc(4096, 7);
    await blob.uploadPages(data, 1024, 4096);
    const read = await blob.downloadToBuffer(0, 8192);
    expect(read.subarray(1024, 5120).equals(data)).toBe(true);
    expect(read.subarray(0, 1024).every((b) => b === 0)).toBe(true);
    const stats = await emu.control.getStats(prefix);
    expect(stats.operations.createBlob?.requests).toBe(1);
    expect(stats.operations.putPage).toEqual({ requests: 1, bytesIn: 4096, bytesOut: 0 });
    expect(stats.operations.getBlob?.bytesOut).toBe(8192);
    await emu.control.resetStats(prefix);
    expect((await emu.control.getStats(prefix)).operations.putPage?.requests).toBe(0);
    await container.delete();
  });

  it("serves both accounts, and a wrong key is refused", async () => {
    const backup = emu.blobService("devbackupaccount").getContainerClient(uniqueName("smokeb"));
    await backup.create();
    expect(await backup.exists()).toBe(true);
    await backup.delete();
    const { BlobServiceClient, StorageSharedKeyCredential } = await import("@azure/storage-blob");
    const wrong = new BlobServiceClient(
      emu.blobEndpoint("devstoreaccount1"),
      new StorageSharedKeyCredential("devstoreaccount1", Buffer.alloc(64, 1).toString("base64")),
    );
    await expect(wrong.getContainerClient(uniqueName("nope")).create()).rejects.toMatchObject({
      statusCode: 403,
    });
  });

  it("serves tables on the table port", async () => {
    const table = TableClient.fromConnectionString(
      emu.connectionString("devbackupaccount"),
      uniqueName("smoketable"),
      {
        allowInsecureConnection: true,
      },
    );
    await table.createTable();
    await table.upsertEntity({ partitionKey: "p", rowKey: "r", value: 42 });
    expect((await table.getEntity<{ value: number }>("p", "r")).value).toBe(42);
    await table.deleteTable();
  });
});

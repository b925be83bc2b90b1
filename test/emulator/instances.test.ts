// In-process starts: several emulators per process, each with its own accounts and data, and no
// Azurite telemetry ever initialised.
import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import { afterAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator, WELL_KNOWN_KEY } from "../../local/emulator/index";

const otherKey = Buffer.alloc(64, 7).toString("base64");

describe("emulator instances", () => {
  const running: RunningEmulator[] = [];
  afterAll(async () => {
    await Promise.all(running.map((e) => e.stop()));
  });

  it("runs two emulators side by side with separate accounts and data, without telemetry", async () => {
    const first = await startEmulator({ blobPort: 0, tablePort: 0 });
    running.push(first);
    const second = await startEmulator({
      blobPort: 0,
      tablePort: 0,
      accounts: [{ name: "otheraccount", key: otherKey }],
    });
    running.push(second);
    expect(second.blobPort).not.toBe(first.blobPort);
    const inFirst = new BlobServiceClient(
      first.blobEndpoint("devstoreaccount1"),
      new StorageSharedKeyCredential("devstoreaccount1", WELL_KNOWN_KEY),
      { retryOptions: { maxTries: 1 } },
    );
    const inSecond = new BlobServiceClient(
      second.blobEndpoint("otheraccount"),
      new StorageSharedKeyCredential("otheraccount", otherKey),
      { retryOptions: { maxTries: 1 } },
    );
    await inFirst.getContainerClient("shared").create();
    await inSecond.getContainerClient("shared").create();
    await inSecond.getContainerClient("shared").getPageBlobClient("only-here.vhd").create(512);
    expect(await inFirst.getContainerClient("shared").getPageBlobClient("only-here.vhd").exists()).toBe(
      false,
    );
    const wrongAccount = new BlobServiceClient(
      second.blobEndpoint("devstoreaccount1"),
      new StorageSharedKeyCredential("devstoreaccount1", WELL_KNOWN_KEY),
      { retryOptions: { maxTries: 1 } },
    );
    // Azurite answers requests for an account it does not have with 404.
    await expect(wrongAccount.getContainerClient("nope").create()).rejects.toMatchObject({ statusCode: 404 });
    expect(second.connectionString("otheraccount")).toContain(
      `BlobEndpoint=http://127.0.0.1:${second.blobPort}/otheraccount`,
    );
    const telemetry = (
      require("azurite/dist/src/common/Telemetry") as {
        AzuriteTelemetryClient: { initialized?: boolean; requestClient?: unknown; eventClient?: unknown };
      }
    ).AzuriteTelemetryClient;
    expect(telemetry.initialized).not.toBe(true);
    expect(telemetry.requestClient).toBeUndefined();
    expect(telemetry.eventClient).toBeUndefined();
  });
});

// The ETag guard and journal loss: writes made behind the emulator's back (directly to Azurite),
// or a restart that loses the journal, must make diffs fall back to content compare, never answer
// wrongly. Uses a private emulator in disk mode so it can restart on the same data.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EmulatorControl } from "../../local/emulator/control";
import { type RunningEmulator, startEmulator, WELL_KNOWN_KEY } from "../../local/emulator/index";

const ACCOUNT = "devstoreaccount1";
const KiB = 1024;
const credential = new StorageSharedKeyCredential(ACCOUNT, WELL_KNOWN_KEY);

describe("diff safety when the journal cannot be trusted", () => {
  let location: string;
  let emulator: RunningEmulator | undefined;
  beforeAll(async () => {
    location = await mkdtemp(join(tmpdir(), "emulator-guard-"));
  });
  afterAll(async () => {
    await emulator?.stop();
    await rm(location, { recursive: true, force: true });
  });

  it("falls back to compare on a direct write and after a restart (disk mode)", async () => {
    emulator = await startEmulator({ blobPort: 0, tablePort: 0, location });
    const viaProxy = new BlobServiceClient(emulator.blobEndpoint(ACCOUNT), credential);
    const direct = new BlobServiceClient(
      `http://127.0.0.1:${emulator.azuriteBlobPort}/${ACCOUNT}`,
      credential,
    );
    const container = viaProxy.getContainerClient("guard");
    await container.create();
    const blob = container.getPageBlobClient("g.vhd");
    await blob.create(16 * KiB);
    await blob.uploadPages(Buffer.alloc(KiB, 1), 0, KiB);
    const s1 = (await blob.createSnapshot()).snapshot!;
    await blob.uploadPages(Buffer.alloc(KiB, 2), 4 * KiB, KiB);
    // Behind the emulator's back: the journal does not know this write.
    await direct
      .getContainerClient("guard")
      .getPageBlobClient("g.vhd")
      .uploadPages(Buffer.alloc(KiB, 3), 8 * KiB, KiB);
    const control = new EmulatorControl(`http://127.0.0.1:${emulator.blobPort}`);
    const diff = await blob.getPageRangesDiff(0, 16 * KiB, s1);
    expect(diff.pageRange).toEqual([
      { offset: 4 * KiB, count: KiB - 1 },
      { offset: 8 * KiB, count: KiB - 1 },
    ]);
    expect(await control.getDiffStrategies()).toEqual({ journal: 0, compare: 0, fallback: 1 });
    const s2 = (await blob.createSnapshot()).snapshot!;
    await blob.uploadPages(Buffer.alloc(KiB, 4), 12 * KiB, KiB);
    await emulator.stop();
    emulator = await startEmulator({ blobPort: 0, tablePort: 0, location });
    const restarted = new BlobServiceClient(emulator.blobEndpoint(ACCOUNT), credential)
      .getContainerClient("guard")
      .getPageBlobClient("g.vhd");
    const afterRestart = await restarted.getPageRangesDiff(0, 16 * KiB, s2);
    expect(afterRestart.pageRange).toEqual([{ offset: 12 * KiB, count: KiB - 1 }]);
    const restartedControl = new EmulatorControl(`http://127.0.0.1:${emulator.blobPort}`);
    expect((await restartedControl.getDiffStrategies()).fallback).toBe(1);
  });
});

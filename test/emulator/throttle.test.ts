// The Azure-shaped throttle profile, on an emulator of its own (the profile applies to the whole emulator):
// per-blob request and byte targets and the per-account request target answered with 503 ServerBusy and
// the service's error body, a busy copy source reported as the service does (409 with the source's 503),
// the profile's spec and setting, and the copy engine's pacer keeping a copy under the targets.
import { BlobServiceClient, type PageBlobClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { EmulatorControl } from "../../local/emulator/control";
import { type RunningEmulator, startEmulator, WELL_KNOWN_KEY } from "../../local/emulator/index";
import { AZURE_PROFILE, parseThrottleSpec, THROTTLE_ENV } from "../../local/emulator/throttle";
import { copyRanges } from "../../src/copy/engine";
import { relayRanges } from "../../src/copy/relay";
import { StorageAccess } from "../../src/storage/clients";
import { errorCode, isServerBusy, statusOf } from "../../src/storage/errors";
import { authorizeSource } from "../../src/storage/sourceAuth";
import { requireBlobUrl } from "../../src/storage/urls";

const KiB = 1024;
const ACCOUNT = "devstoreaccount1";

describe("Azure-shaped throttle profile", () => {
  let emulator: RunningEmulator;
  let control: EmulatorControl;
  let service: BlobServiceClient;
  let counter = 0;

  beforeAll(async () => {
    emulator = await startEmulator({ blobPort: 0, tablePort: 0, throttle: false });
    control = new EmulatorControl(`http://${emulator.host}:${emulator.blobPort}`);
    // No SDK retries: every 503 reaches the test.
    service = new BlobServiceClient(
      emulator.blobEndpoint(ACCOUNT),
      new StorageSharedKeyCredential(ACCOUNT, WELL_KNOWN_KEY),
      { retryOptions: { maxTries: 1 } },
    );
  });
  afterEach(async () => control.setThrottle("off"));
  afterAll(async () => emulator?.stop());

  async function newBlobs(count: number, size = 64 * KiB): Promise<PageBlobClient[]> {
    const container = service.getContainerClient(`throttle${++counter}`);
    await container.create();
    return Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const blob = container.getPageBlobClient(`b${i}.vhd`);
        await blob.create(size);
        return blob;
      }),
    );
  }

  async function outcomes(calls: Array<() => Promise<unknown>>) {
    const settled = await Promise.allSettled(calls.map((call) => call()));
    return {
      ok: settled.filter((s) => s.status === "fulfilled").length,
      failed: settled.flatMap((s) => (s.status === "rejected" ? [s.reason as unknown] : [])),
    };
  }

  it("answers 503 ServerBusy with the service's body beyond a blob's request target, per blob", async () => {
    const [busy, other] = await newBlobs(2);
    await control.setThrottle({ blobRequestsPerSecond: 10, burstMs: 1000, latencyMs: 0 });
    // Get Page Ranges (a GET: its error has a body, unlike a HEAD's)
    const { ok, failed } = await outcomes(Array.from({ length: 40 }, () => () => busy!.getPageRanges()));
    expect(ok).toBeGreaterThanOrEqual(10);
    expect(ok).toBeLessThan(40);
    expect(failed.length).toBe(40 - ok);
    for (const error of failed) {
      expect(statusOf(error)).toBe(503);
      expect(errorCode(error)).toBe("ServerBusy");
      expect(String((error as Error).message)).toMatch(/The server is currently unable to receive requests/);
    }
    // another blob of the same account has its own target
    await expect(other!.getProperties()).resolves.toBeDefined();
    const { counts } = await control.getThrottle(`/${ACCOUNT}/${busy!.containerName}`);
    expect(counts.byReason.blobRequests).toBe(failed.length);
    expect(counts.serverBusy).toBe(failed.length);
  });

  it("answers 503 beyond the account's request target, whatever the blob", async () => {
    const blobs = await newBlobs(30);
    await control.setThrottle({ accountRequestsPerSecond: 5, burstMs: 1000, latencyMs: 0 });
    const { ok, failed } = await outcomes(blobs.map((blob) => () => blob.getPageRanges()));
    expect(ok).toBeGreaterThanOrEqual(5);
    expect(ok).toBeLessThan(30);
    for (const error of failed) {
      expect(statusOf(error)).toBe(503);
      expect(String((error as Error).message)).toMatch(/Operations per second is over the account limit/);
    }
  });

  it("counts bytes per blob: writes, and the reads a Put Page From URL makes of its source", async () => {
    const [source, first, second, third] = await newBlobs(4);
    await source!.uploadPages(Buffer.alloc(64 * KiB, 9), 0, 64 * KiB);
    const snapshot = (await source!.createSnapshot()).snapshot ?? "";
    const storage = new StorageAccess({
      endpoints: { blob: [emulator.blobEndpoint(ACCOUNT)], table: [] },
      accountKeys: { [ACCOUNT]: WELL_KNOWN_KEY },
    });
    const sourceUrl = (await authorizeSource(storage, requireBlobUrl(source!.url), snapshot).current()).url;
    await control.setThrottle({ blobBytesPerSecond: 64 * KiB, burstMs: 1000, latencyMs: 0 });
    // The destination's byte budget: one 64 KiB write fits, the next does not.
    await first!.uploadPages(Buffer.alloc(64 * KiB, 1), 0, 64 * KiB);
    const full = await outcomes([() => first!.uploadPages(Buffer.alloc(64 * KiB, 2), 0, 64 * KiB)]);
    expect(full.failed.map(statusOf)).toEqual([503]);
    // The source's budget: the copy into `second` reads 64 KiB of it; a second copy finds it busy, as the
    // service reports a busy source (409 CannotVerifyCopySource carrying the source's 503).
    await second!.uploadPagesFromURL(sourceUrl, 0, 0, 64 * KiB);
    const busy = await outcomes([() => third!.uploadPagesFromURL(sourceUrl, 0, 0, 64 * KiB)]);
    const [error] = busy.failed;
    expect(statusOf(error)).toBe(409);
    expect(errorCode(error)).toBe("CannotVerifyCopySource");
    expect(isServerBusy(error)).toBe(true);
    const { counts } = await control.getThrottle(`/${ACCOUNT}/${first!.containerName}`);
    expect(counts.byReason).toMatchObject({ blobBytes: 1, copySource: 1, blobRequests: 0 });
    // switched off, everything passes again
    await control.setThrottle("off");
    await third!.uploadPagesFromURL(sourceUrl, 0, 0, 64 * KiB);
    expect((await control.getThrottle()).profile).toBeNull();
  });

  it("keeps a paced copy under the targets, where an unpaced one is refused", async () => {
    const size = 2 * 1024 * KiB;
    const [source, paced, unpaced] = await newBlobs(3, size);
    for (let o = 0; o < size; o += 512 * KiB)
      await source!.uploadPages(Buffer.alloc(512 * KiB, o / KiB), o, 512 * KiB);
    const snapshot = (await source!.createSnapshot()).snapshot ?? "";
    const storage = new StorageAccess({
      endpoints: { blob: [emulator.blobEndpoint(ACCOUNT)], table: [] },
      accountKeys: { [ACCOUNT]: WELL_KNOWN_KEY },
    });
    const targets = {
      blobBytesPerSecond: 4 * 1024 * KiB,
      blobRequestsPerSecond: 40,
      burstMs: 250,
      latencyMs: 0,
    };
    // 64 scattered 16 KiB ranges: bound by the request target.
    const writes = Array.from({ length: 64 }, (_, i) => ({ offset: i * 32 * KiB, length: 16 * KiB }));
    const copy = async (blob: PageBlobClient, pacing: boolean) => {
      await control.setThrottle(targets);
      const stats = await copyRanges({
        source: authorizeSource(storage, requireBlobUrl(source!.url), snapshot),
        destination: storage.pageBlob(requireBlobUrl(blob.url), { retry: "none" }),
        writes,
        concurrency: 8,
        retry: { baseDelayMs: 20, maxDelayMs: 200 },
        pacing: pacing ? { bytesPerSecond: targets.blobBytesPerSecond, requestsPerSecond: 40 } : undefined,
      });
      const { counts } = await control.getThrottle(`/${ACCOUNT}/${blob.containerName}/${blob.name}`);
      await control.setThrottle("off");
      return { stats, counts };
    };
    const withPacer = await copy(paced!, true);
    expect(withPacer.stats.throttled).toBe(0);
    expect(withPacer.counts.serverBusy).toBe(0);
    const without = await copy(unpaced!, false);
    expect(without.counts.serverBusy).toBeGreaterThan(0);
    const want = await source!.withSnapshot(snapshot).downloadToBuffer(0, size);
    for (const blob of [paced!, unpaced!]) {
      const got = await blob.downloadToBuffer(0, size);
      for (const { offset, length } of writes)
        expect(got.subarray(offset, offset + length).equals(want.subarray(offset, offset + length))).toBe(
          true,
        );
    }
  });

  it("keeps a relay's writes under the target when its reads take uneven time", async () => {
    const size = 8 * 1024 * KiB;
    const [source, destination] = await newBlobs(2, size);
    for (let o = 0; o < size; o += 512 * KiB)
      await source!.uploadPages(Buffer.alloc(512 * KiB, 1 + o / (512 * KiB)), o, 512 * KiB);
    const snapshot = (await source!.createSnapshot()).snapshot ?? "";
    const storage = new StorageAccess({
      endpoints: { blob: [emulator.blobEndpoint(ACCOUNT)], table: [] },
      accountKeys: { [ACCOUNT]: WELL_KNOWN_KEY },
    });
    const targets = { blobBytesPerSecond: 4 * 1024 * KiB, blobRequestsPerSecond: 400, burstMs: 250 };
    // Eight reads of 512 KiB (gaps keep them apart); the first three answer 600 ms late.
    const writes = Array.from({ length: 8 }, (_, i) => ({ offset: i * 1024 * KiB, length: 512 * KiB }));
    const sourcePath = `/${ACCOUNT}/${source!.containerName}/${source!.name}`;
    await control.setFaults([
      { operations: ["getBlob"], pathPrefix: sourcePath, rate: 1, limit: 3, kind: "latency", latencyMs: 600 },
    ]);
    await control.setThrottle({ ...targets, latencyMs: 0 });
    try {
      const stats = await relayRanges({
        source: storage.pageBlob(requireBlobUrl(source!.url), { snapshot, retry: "none" }),
        destinations: [{ blob: storage.pageBlob(requireBlobUrl(destination!.url), { retry: "none" }) }],
        writes,
        concurrency: 8,
        retry: { baseDelayMs: 20, maxDelayMs: 200 },
        pacing: { bytesPerSecond: targets.blobBytesPerSecond, requestsPerSecond: 400 },
      });
      const path = `/${ACCOUNT}/${destination!.containerName}/${destination!.name}`;
      const { counts } = await control.getThrottle(path);
      // Each Put Page is paced when it is sent, not before its read: no burst reaches the blob.
      expect(stats.throttled).toBe(0);
      expect(counts.serverBusy).toBe(0);
      expect(counts.admitted).toBe(8);
    } finally {
      await control.setFaults([]);
      await control.setThrottle("off");
    }
    const want = await source!.withSnapshot(snapshot).downloadToBuffer(0, size);
    const got = await destination!.downloadToBuffer(0, size);
    for (const { offset, length } of writes)
      expect(got.subarray(offset, offset + length).equals(want.subarray(offset, offset + length))).toBe(true);
  });

  it("parses its spec and refuses a bad one by name, before anything starts", async () => {
    expect(parseThrottleSpec("azure")).toEqual(AZURE_PROFILE);
    expect(AZURE_PROFILE).toMatchObject({
      blobBytesPerSecond: 60 * 1024 * KiB,
      blobRequestsPerSecond: 500,
      accountRequestsPerSecond: 20_000,
      latencyMs: 10,
    });
    expect(parseThrottleSpec("off")).toBeUndefined();
    expect(parseThrottleSpec('{"latencyMs": 25}')).toEqual({ ...AZURE_PROFILE, latencyMs: 25 });
    expect(() => parseThrottleSpec('{"blobMiBps": 1}')).toThrow(/unknown field blobMiBps/);
    expect(() => parseThrottleSpec('{"blobRequestsPerSecond": 0}')).toThrow(
      /blobRequestsPerSecond must be a positive/,
    );
    expect(() => parseThrottleSpec("fast")).toThrow(/"azure", "off" or a JSON object/);
    process.env[THROTTLE_ENV] = "fast";
    try {
      await expect(startEmulator({ blobPort: 0, tablePort: 0 })).rejects.toMatchObject({
        name: "SettingsError",
        message: expect.stringMatching(/^EMULATOR_THROTTLE: /),
      });
    } finally {
      delete process.env[THROTTLE_ENV];
    }
  });
});

// The copy engine and range listing against the emulator: 4 MiB requests at true offsets, clears,
// cancellation, SAS renewal, and segment splitting when Get Page Ranges times out.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listRanges } from "../../src/copy/diff";
import { copyRanges } from "../../src/copy/engine";
import { authorizeSource } from "../../src/storage/sourceAuth";
import { blobIn } from "../../src/storage/urls";
import { contentOf, createHarness, type Harness, MiB, writeRandom } from "./support/harness";

describe("copy engine", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness("engine");
    await h.backups.create();
  });
  afterAll(async () => {
    await h?.emu.control.setFaults([]);
    await h?.cleanup();
  });

  it("copies ranges in ≤ 4 MiB requests at their true offsets and clears ranges", async () => {
    const src = h.sources.getPageBlobClient("e1.vhd");
    await src.create(24 * MiB);
    await writeRandom(src, 0, 24 * MiB);
    const snapshot = (await src.createSnapshot()).snapshot ?? "";
    const dst = h.backups.getPageBlobClient("e1-copy.vhd");
    await dst.create(24 * MiB);
    await writeRandom(dst, 20 * MiB, MiB);
    await h.emu.control.resetStats(h.backupPrefix);
    const base = Date.now();
    const now = { t: base };
    const source = authorizeSource(h.ctx.storage, blobIn(h.ctx.settings.sources[0]!, "e1.vhd"), snapshot, {
      lifetimeMs: 60_000,
      renewBeforeMs: 10_000,
      now: () => now.t,
    });
    const stats = await copyRanges({
      source,
      destination: h.ctx.storage.pageBlob(blobIn(h.ctx.settings.target, "e1-copy.vhd"), { retry: "none" }),
      // 512 B .. 9 MiB + 1 KiB: split as 4 MiB + 4 MiB + 1 MiB + 512, starting at the range's own offset
      writes: [
        { offset: 512, length: 9 * MiB + 512 },
        { offset: 12 * MiB, length: 512 },
      ],
      clears: [{ offset: 20 * MiB, length: MiB }],
      concurrency: 3,
    });
    expect(stats).toMatchObject({ bytesCopied: 9 * MiB + 1024, bytesCleared: MiB, requests: 5, retries: 0 });
    const counted = await h.emu.control.getStats(h.backupPrefix);
    expect(counted.operations.putPageFromUrl).toMatchObject({ requests: 4, bytesIn: 9 * MiB + 1024 });
    const want = await contentOf(src.withSnapshot(snapshot));
    const got = await contentOf(dst);
    expect(got.subarray(512, 9 * MiB + 1024).equals(want.subarray(512, 9 * MiB + 1024))).toBe(true);
    expect(got.subarray(0, 512).every((b) => b === 0)).toBe(true);
    expect(got.subarray(12 * MiB, 12 * MiB + 512).equals(want.subarray(12 * MiB, 12 * MiB + 512))).toBe(true);
    expect(got.subarray(20 * MiB, 21 * MiB).every((b) => b === 0)).toBe(true);

    expect(source.issued).toBe(1);
    now.t = base + 55_000; // inside the renewal window: a new SAS is issued before the old one expires
    await source.current();
    expect(source.issued).toBe(2);
  });

  it("stops when aborted", async () => {
    const src = h.sources.getPageBlobClient("e2.vhd");
    await src.create(16 * MiB);
    await writeRandom(src, 0, 16 * MiB);
    const dst = h.backups.getPageBlobClient("e2-copy.vhd");
    await dst.create(16 * MiB);
    const controller = new AbortController();
    controller.abort(new Error("cancelled by test"));
    await expect(
      copyRanges({
        source: authorizeSource(h.ctx.storage, blobIn(h.ctx.settings.sources[0]!, "e2.vhd"), undefined),
        destination: h.ctx.storage.pageBlob(blobIn(h.ctx.settings.target, "e2-copy.vhd"), { retry: "none" }),
        writes: [{ offset: 0, length: 16 * MiB }],
        signal: controller.signal,
      }),
    ).rejects.toThrow("cancelled by test");
  });

  it("splits listing segments that time out and still lists every range", async () => {
    const src = h.sources.getPageBlobClient("e3.vhd");
    await src.create(64 * MiB);
    for (let i = 0; i < 16; i++) await writeRandom(src, i * 4 * MiB + 512 * i, 4096);
    const blob = h.ctx.storage.pageBlob(blobIn(h.ctx.settings.sources[0]!, "e3.vhd"), { retry: "none" });
    const clean = await listRanges({ blob, sizeBytes: 64 * MiB, segmentBytes: 64 * MiB });
    await h.emu.control.setFaults(
      [
        {
          pathPrefix: `${h.sourcePrefix}/e3.vhd`,
          operations: ["getPageRanges"],
          rate: 0.5,
          kind: "operationTimedOut",
        },
      ],
      7,
    );
    const split = await listRanges({
      blob,
      sizeBytes: 64 * MiB,
      segmentBytes: 64 * MiB,
      minSegmentBytes: 512 * 1024,
    });
    await h.emu.control.setFaults([]);
    expect(split.splits).toBeGreaterThan(0);
    expect(split.changed).toEqual(clean.changed);
    expect(clean.changed).toHaveLength(16);
  });

  it("lists a blob of unknown size in one request, its size from the response; asks for it on a timeout", async () => {
    const src = h.sources.getPageBlobClient("e4.vhd");
    await src.create(64 * MiB + 512);
    for (let i = 0; i < 16; i++) await writeRandom(src, i * 4 * MiB + 512 * i, 4096);
    await writeRandom(src, 64 * MiB, 512);
    const blob = h.ctx.storage.pageBlob(blobIn(h.ctx.settings.sources[0]!, "e4.vhd"), { retry: "none" });
    const known = await listRanges({ blob, sizeBytes: 64 * MiB + 512 });
    const open = await listRanges({ blob });
    expect(open).toEqual({ ...known, requests: 1 });
    expect([open.sizeBytes, open.changed.length]).toEqual([64 * MiB + 512, 17]);
    await h.emu.control.setFaults(
      [
        {
          pathPrefix: `${h.sourcePrefix}/e4.vhd`,
          operations: ["getPageRanges"],
          rate: 1,
          limit: 2,
          kind: "operationTimedOut",
        },
      ],
      11,
    );
    const timedOut = await listRanges({ blob, segmentBytes: 32 * MiB, minSegmentBytes: 512 * 1024 });
    await h.emu.control.setFaults([]);
    expect([timedOut.sizeBytes, timedOut.changed]).toEqual([known.sizeBytes, known.changed]);
    // The open listing and the first 32 MiB segment timed out: the size asked for, then 16 + 16 + 32 MiB
    // and the last 512 bytes.
    expect([timedOut.requests, timedOut.splits]).toEqual([6, 1]);
  });
});

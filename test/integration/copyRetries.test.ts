// How the copy engine meets trouble, against the emulator with seeded faults scoped to each test's blobs:
// a busy destination is retried and slows the blob's pacer, a busy copy source is transient too, a
// foreign lease or a source the app may not read fails fast and stops the other workers, retries stop at
// the limit, and a request past its timeout is retried. Counters are reset around the code under test,
// and every test asserts that the retry path it claims actually ran.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CopyJob, copyRanges } from "../../src/copy/engine";
import { BlobPacer } from "../../src/copy/pacer";
import { authorizeSource } from "../../src/storage/sourceAuth";
import { blobIn } from "../../src/storage/urls";
import { seededRandom } from "../support/random";
import { contentOf, createHarness, type Harness, MiB, writeRandom } from "./support/harness";

describe("copy engine retries and pacing (against the emulator)", () => {
  let h: Harness;
  const { seed } = seededRandom();
  beforeAll(async () => {
    h = await createHarness("retries");
    await h.backups.create();
    console.log(`copy retry fault seed ${seed} (replay with TEST_SEED=${seed})`);
  });
  afterAll(async () => {
    await h?.emu.control.setFaults([]);
    await h?.cleanup();
  });

  /** A 16 MiB source snapshot and an empty destination of the same size. */
  async function pair(name: string) {
    const src = h.sources.getPageBlobClient(`${name}.vhd`);
    await src.create(16 * MiB);
    await writeRandom(src, 0, 16 * MiB);
    const snapshot = (await src.createSnapshot()).snapshot ?? "";
    const dst = h.backups.getPageBlobClient(`${name}-copy.vhd`);
    await dst.create(16 * MiB);
    const job = (over: Partial<CopyJob> = {}): CopyJob => ({
      source: authorizeSource(h.ctx.storage, blobIn(h.ctx.settings.sources[0]!, `${name}.vhd`), snapshot),
      destination: h.ctx.storage.pageBlob(blobIn(h.ctx.settings.target, `${name}-copy.vhd`), {
        retry: "none",
      }),
      writes: [{ offset: 0, length: 16 * MiB }],
      pacer: new BlobPacer({ maxConcurrency: 4, cooldownMs: 10, maxCooldownMs: 50 }),
      concurrency: 4,
      retry: { baseDelayMs: 5, maxDelayMs: 20 },
      ...over,
    });
    const same = async () => (await contentOf(dst)).equals(await contentOf(src.withSnapshot(snapshot)));
    return {
      src,
      dst,
      snapshot,
      job,
      same,
      dstPath: `${h.backupPrefix}/${name}-copy.vhd`,
      srcPath: `${h.sourcePrefix}/${name}.vhd`,
    };
  }

  async function requestsTo(path: string) {
    return (await h.emu.control.getStats(path)).operations.putPageFromUrl?.requests ?? 0;
  }

  it("retries a busy destination until it succeeds, and the blob's pacer slows down", async () => {
    const p = await pair("busy");
    await h.emu.control.setFaults(
      [{ pathPrefix: p.dstPath, operations: ["putPageFromUrl"], rate: 1, limit: 3, kind: "serverBusy" }],
      seed,
    );
    await h.emu.control.resetStats(p.dstPath);
    const job = p.job();
    const stats = await copyRanges(job);
    const faults = await h.emu.control.getFaultCounts();
    await h.emu.control.setFaults([]);
    expect(faults.serverBusy).toBe(3);
    expect(stats.retries).toBe(3);
    expect(stats.throttled).toBe(3);
    expect(job.pacer?.busySignals).toBe(3);
    expect(job.pacer?.concurrency).toBeLessThan(4);
    expect(await requestsTo(p.dstPath)).toBe(4 + 3);
    expect(await p.same()).toBe(true);
  });

  it("treats a busy copy source as transient and a source it may not read as final", async () => {
    const p = await pair("srcbusy");
    await h.emu.control.setFaults(
      [{ pathPrefix: p.srcPath, operations: ["copySource"], rate: 1, limit: 3, kind: "serverBusy" }],
      seed,
    );
    const job = p.job();
    const stats = await copyRanges(job);
    const faults = await h.emu.control.getFaultCounts();
    expect(faults.serverBusy).toBe(3);
    expect(stats.retries).toBe(3);
    expect(stats.throttled).toBe(3);
    expect(await p.same()).toBe(true);

    const denied = await pair("srcdenied");
    await h.emu.control.setFaults(
      [{ pathPrefix: denied.srcPath, operations: ["copySource"], rate: 1, kind: "permissionDenied" }],
      seed,
    );
    await h.emu.control.resetStats(denied.dstPath);
    await expect(copyRanges(denied.job({ concurrency: 1 }))).rejects.toThrow(/failed after 1 attempt/);
    await h.emu.control.setFaults([]);
    expect(await requestsTo(denied.dstPath)).toBe(1);
  });

  it("fails fast on a lease held by another writer, and the other workers stop", async () => {
    const p = await pair("leased");
    await p.dst.getBlobLeaseClient().acquireLease(30);
    await h.emu.control.resetStats(p.dstPath);
    const writes = Array.from({ length: 32 }, (_, i) => ({ offset: i * 512 * 1024, length: 512 * 1024 }));
    await expect(copyRanges(p.job({ writes, concurrency: 4 }))).rejects.toThrow(/failed after 1 attempt/);
    // every worker had at most its one request in flight when the first failure stopped them (room for
    // 4 full-size requests holds 16 of 512 KiB: no worker went on to a second of the 32)
    expect(await requestsTo(p.dstPath)).toBeLessThanOrEqual(16);
    await p.dst.getBlobLeaseClient().breakLease(0);
  });

  it("stops retrying at the attempt limit", async () => {
    const p = await pair("limit");
    await h.emu.control.setFaults(
      [{ pathPrefix: p.dstPath, operations: ["putPageFromUrl"], rate: 1, kind: "serverBusy" }],
      seed,
    );
    await h.emu.control.resetStats(p.dstPath);
    await expect(
      copyRanges(p.job({ concurrency: 1, retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 } })),
    ).rejects.toThrow(/failed after 3 attempt/);
    await h.emu.control.setFaults([]);
    expect(await requestsTo(p.dstPath)).toBe(3);
  });

  it("retries a request that outlives its timeout", async () => {
    const p = await pair("slow");
    const slow = {
      operations: ["putPageFromUrl"],
      rate: 1,
      limit: 2,
      kind: "latency" as const,
      latencyMs: 3000,
    };
    await h.emu.control.setFaults([{ pathPrefix: p.dstPath, ...slow }], seed);
    // small requests, so an unslowed one answers well within the timeout even on a loaded machine
    const writes = Array.from({ length: 8 }, (_, i) => ({ offset: i * MiB, length: 256 * 1024 }));
    const retry = { requestTimeoutMs: 1500, baseDelayMs: 5, maxDelayMs: 20 };
    const stats = await copyRanges(p.job({ writes, retry }));
    const faults = await h.emu.control.getFaultCounts();
    await h.emu.control.setFaults([]);
    expect(faults.latency).toBe(2);
    expect(stats.retries).toBe(2);
    const want = await contentOf(p.src.withSnapshot(p.snapshot));
    const got = await contentOf(p.dst);
    for (const w of writes) {
      const range = (b: Buffer) => b.subarray(w.offset, w.offset + w.length);
      expect(range(got).equals(range(want))).toBe(true);
    }
  });
});

// A relay copy reads ahead of its leases (src/copy/relay.ts `writable`): its first reads go out while the
// leases are being taken, and no byte is written before they are held; a lease that fails fails the copy
// with its own code, and nothing is written.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { relayRanges } from "../../src/copy/relay";
import { LeaseConflictError } from "../../src/storage/lease";
import { requireBlobUrl } from "../../src/storage/urls";
import { createHarness, type Harness, writeRandom } from "./support/harness";

const KiB = 1024;

describe("relay copies and their leases (against the emulator)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness("relaygate");
  });
  afterAll(async () => {
    await h?.cleanup();
  });

  /** A source snapshot with `n` ranges of 64 KiB written, and an empty destination of the same size. */
  async function blobs(name: string, n: number) {
    const size = 4 * 1024 * KiB;
    const source = h.sources.getPageBlobClient(`${name}-source.vhd`);
    const destination = h.sources.getPageBlobClient(`${name}-destination.vhd`);
    await source.create(size);
    await destination.create(size);
    const writes = Array.from({ length: n }, (_, i) => ({ offset: i * 256 * KiB, length: 64 * KiB }));
    for (const w of writes) await writeRandom(source, w.offset, w.length);
    const snapshot = (await source.createSnapshot()).snapshot ?? "";
    await h.emu.control.resetStats(`${h.sourcePrefix}/${name}`);
    const job = {
      source: h.ctx.storage.pageBlob(requireBlobUrl(source.url), { snapshot, retry: "none" as const }),
      destinations: [{ blob: h.ctx.storage.pageBlob(requireBlobUrl(destination.url), { retry: "none" }) }],
      writes,
      concurrency: 8,
    };
    const count = async (blob: string, kind: "getBlob" | "putPage") =>
      (await h.emu.control.getStats(`${h.sourcePrefix}/${name}-${blob}.vhd`)).operations[kind]?.requests ?? 0;
    return { source: source.withSnapshot(snapshot), destination, writes, job, count };
  }

  it("reads while the destinations are not writable yet, and writes only once they are", async () => {
    const { source, destination, writes, job, count } = await blobs("ahead", 6);
    let open!: () => void;
    const writable = new Promise<void>((resolve) => {
      open = resolve;
    });
    const relay = relayRanges({ ...job, writable });
    // Bounded wait for every read to reach the emulator (6 ranges, all in flight at concurrency 8).
    for (let i = 0; i < 200 && (await count("source", "getBlob")) < writes.length; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(await count("source", "getBlob")).toBe(writes.length);
    expect(await count("destination", "putPage")).toBe(0);
    open();
    const stats = await relay;
    expect(stats.operationsDone).toBe(writes.length);
    expect(await count("destination", "putPage")).toBe(writes.length);
    for (const { offset, length } of writes) {
      const want = await source.downloadToBuffer(offset, length);
      expect((await destination.downloadToBuffer(offset, length)).equals(want)).toBe(true);
    }
  });

  it("fails with the lease's own error when the destinations never become writable, writing nothing", async () => {
    const { writes, job, count } = await blobs("refused", 3);
    const refused = Promise.reject(new LeaseConflictError(job.destinations[0]!.blob.url, new Error("held")));
    await expect(relayRanges({ ...job, writable: refused })).rejects.toBeInstanceOf(LeaseConflictError);
    expect(await count("source", "getBlob")).toBeLessThanOrEqual(writes.length);
    expect(await count("destination", "putPage")).toBe(0);
  });
});

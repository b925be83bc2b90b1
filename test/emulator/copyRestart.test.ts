// Copy Blob of a page blob is a metadata copy over shared extents: the copy and its source stay
// independent across a SIGKILL and restart, and the copy keeps its data after the source is deleted.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { clientsFor, killEmulatorChildren, restart, startEmulatorChild } from "./crashSupport";

const KiB = 1024;
const SIZE = 64 * KiB;

const folders: string[] = [];
afterAll(async () => {
  await killEmulatorChildren();
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});

const filled = (length: number, seed: number) =>
  Buffer.from(Array.from({ length }, (_, i) => (i * seed) % 251));

it("keeps a copy and its source snapshot apart across a kill, and the copy's data after the source is gone", async () => {
  const location = await mkdtemp(path.join(tmpdir(), "copy-restart-"));
  folders.push(location);
  let child = await startEmulatorChild(location);
  let clients = clientsFor(child);
  const container = clients.container("copies");
  await container.create();
  const disk = container.getPageBlobClient("disk.vhd");
  await disk.create(SIZE);
  const original = filled(16 * KiB, 7);
  await disk.uploadPages(original, 0, original.length);
  const snapshot = (await disk.createSnapshot()).snapshot!;
  const copy = container.getPageBlobClient("copy.vhd");
  const copied = await (await copy.beginCopyFromURL(disk.withSnapshot(snapshot).url)).pollUntilDone();
  expect(copied.copyStatus).toBe("success");
  await copy.uploadPages(Buffer.alloc(4 * KiB, 0xaa), 4 * KiB, 4 * KiB);
  await disk.uploadPages(Buffer.alloc(4 * KiB, 0xbb), 8 * KiB, 4 * KiB);

  ({ child, clients } = await restart(child, location));
  const after = clients.container("copies");
  const expectedCopy = Buffer.alloc(SIZE);
  original.copy(expectedCopy);
  expectedCopy.fill(0xaa, 4 * KiB, 8 * KiB);
  const expectedSnapshot = Buffer.alloc(SIZE);
  original.copy(expectedSnapshot);
  const read = (name: string, snap?: string) => {
    const blob = after.getPageBlobClient(name);
    return (snap ? blob.withSnapshot(snap) : blob).downloadToBuffer(0, SIZE);
  };
  expect((await read("copy.vhd")).equals(expectedCopy)).toBe(true);
  expect((await read("disk.vhd", snapshot)).equals(expectedSnapshot)).toBe(true);
  expect(
    (await after.getPageBlobClient("copy.vhd").getPageRanges(0, SIZE)).pageRange?.length,
  ).toBeGreaterThan(0);

  // Written after the restart too, and the source deleted with its snapshots: the copy keeps its pages.
  await after.getPageBlobClient("copy.vhd").uploadPages(Buffer.alloc(KiB, 0xcc), 0, KiB);
  expectedCopy.fill(0xcc, 0, KiB);
  expect((await read("disk.vhd", snapshot)).equals(expectedSnapshot)).toBe(true);
  await after.getPageBlobClient("disk.vhd").delete({ deleteSnapshots: "include" });
  ({ child, clients } = await restart(child, location));
  const last = clients.container("copies").getPageBlobClient("copy.vhd");
  expect((await last.downloadToBuffer(0, SIZE)).equals(expectedCopy)).toBe(true);
  await child.kill();
});

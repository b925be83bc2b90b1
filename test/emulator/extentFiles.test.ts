// Kept-open extent files: ranges read byte for byte through shared descriptors, idle files bounded,
// a deleted file's descriptor closed once its readers are done and never handed out again.
import { fstatSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { buffer } from "node:stream/consumers";
import { afterAll, describe, expect, it } from "vitest";
import { ExtentFiles, ExtentRangeStream } from "../../local/emulator/extentFiles";
import { prng, seedFromEnv } from "./helpers";

const folder = mkdtempSync(path.join(tmpdir(), "extent-files-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function file(name: string, bytes: Buffer): string {
  const at = path.join(folder, name);
  writeFileSync(at, bytes);
  return at;
}

const isOpen = (fd: number) => {
  try {
    fstatSync(fd);
    return true;
  } catch {
    return false;
  }
};

async function readRange(files: ExtentFiles, at: string, start: number, count: number): Promise<Buffer> {
  return buffer(new ExtentRangeStream(await files.acquire(at), start, count));
}

describe("ExtentFiles and ExtentRangeStream", () => {
  it("reads random ranges of several files byte for byte, concurrently, through one descriptor per file", async () => {
    const seed = seedFromEnv("EXTENT_FILES_SEED");
    console.log(`extent files seed ${seed}`);
    const random = prng(seed);
    const contents = [0, 1, 2].map((i) => {
      const bytes = Buffer.alloc(3 * 1024 * 1024 + 512 * i);
      for (let j = 0; j < bytes.length; j += 4) bytes.writeUInt32LE((random() * 2 ** 32) >>> 0, j);
      return { at: file(`extent-${i}`, bytes), bytes };
    });
    const files = new ExtentFiles(8);
    const reads = Array.from({ length: 60 }, () => {
      const { at, bytes } = contents[Math.floor(random() * contents.length)]!;
      const start = Math.floor(random() * bytes.length);
      const count = 1 + Math.floor(random() * Math.min(bytes.length - start, 2.5 * 1024 * 1024));
      return readRange(files, at, start, count).then((got) => {
        expect(got.equals(bytes.subarray(start, start + count))).toBe(true);
      });
    });
    await Promise.all(reads);
    expect(files.openCount).toBe(3);
  });

  it("ends early at the end of the file, as a file stream with start and end does", async () => {
    const at = file("short", Buffer.from("0123456789"));
    const got = await readRange(new ExtentFiles(), at, 6, 100);
    expect(got.toString()).toBe("6789");
  });

  it("keeps at most maxIdle idle files open, closing the least recently used", async () => {
    const files = new ExtentFiles(2);
    const paths = [0, 1, 2, 3].map((i) => file(`lru-${i}`, Buffer.alloc(4096, i)));
    const fds: number[] = [];
    for (const at of paths) {
      const held = await files.acquire(at);
      fds.push(held.fd);
      held.release();
    }
    // Descriptor numbers are reused once closed: only the two kept can be checked by number.
    expect(files.openCount).toBe(2);
    expect(isOpen(fds[2]!) && isOpen(fds[3]!)).toBe(true);
    // A file evicted is opened again on its next read, with the right bytes.
    expect((await readRange(files, paths[0]!, 0, 4096)).equals(Buffer.alloc(4096, 0))).toBe(true);
  });

  it("closes a deleted file's descriptor only after its last reader, and opens anew afterwards", async () => {
    const files = new ExtentFiles();
    const at = file("deleted", Buffer.alloc(8192, 7));
    const reader = await files.acquire(at);
    files.forget(at);
    expect(isOpen(reader.fd)).toBe(true);
    const stream = new ExtentRangeStream(reader, 0, 8192);
    expect((await buffer(stream)).equals(Buffer.alloc(8192, 7))).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 20)); // the close runs on the thread pool
    expect(isOpen(reader.fd)).toBe(false);
    unlinkSync(at);
    await expect(files.acquire(at)).rejects.toMatchObject({ code: "ENOENT" });
    expect(files.openCount).toBe(0);
  });

  it("returns the descriptor when a reader is destroyed before the end", async () => {
    const files = new ExtentFiles(0);
    const at = file("destroyed", Buffer.alloc(3 * 1024 * 1024, 1));
    const held = await files.acquire(at);
    const stream = new ExtentRangeStream(held, 0, 3 * 1024 * 1024);
    await new Promise<void>((resolve) => stream.once("data", () => resolve()));
    stream.destroy();
    await new Promise((resolve) => stream.once("close", resolve));
    // maxIdle 0: once no one reads it, the file is closed.
    expect(files.openCount).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 20)); // the close runs on the thread pool
    expect(isOpen(held.fd)).toBe(false);
  });
});

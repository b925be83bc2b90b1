// The emulator's sliced CRC-64 against Azurite's own byte-at-a-time CRC64Hash (the implementation the
// service's x-ms-content-crc64 is checked against), Put Page answering it as the service does, and
// reads answering a Content-MD5 only when asked for one.
import { createHash } from "node:crypto";
import type { ContainerClient } from "@azure/storage-blob";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Crc64, crc64 } from "../../local/emulator/crc64";
import { newContainer, prng, seedFromEnv } from "./helpers";

const azurite = require("azurite/dist/src/common/utils/utils") as {
  getCRC64FromString(data: string | Buffer): Uint8Array;
};

function randomBuffer(rnd: () => number, length: number): Buffer {
  const data = Buffer.alloc(length);
  for (let i = 0; i < length; i++) data[i] = Math.floor(rnd() * 256);
  return data;
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

describe("CRC-64/NVME", () => {
  it("gives the catalogue's check value, little-endian as on the wire", () => {
    // check = 0xae8b14860a799888 for "123456789"
    expect(hex(crc64(Buffer.from("123456789")))).toBe("8898790a86148bae");
    expect(hex(crc64(Buffer.alloc(0)))).toBe(hex(azurite.getCRC64FromString(Buffer.alloc(0))));
  });

  it("matches Azurite's CRC64Hash on random buffers fed in random chunks", () => {
    const seed = seedFromEnv("TEST_SEED");
    console.log(`crc64 seed: ${seed} (rerun with TEST_SEED=${seed})`);
    const rnd = prng(seed);
    for (let round = 0; round < 200; round++) {
      const length = round < 40 ? round : Math.floor(rnd() * 70_000);
      // An odd start offset, so word reads of unaligned buffers are covered too.
      const data = randomBuffer(rnd, length + 1).subarray(1);
      const sliced = new Crc64();
      for (let at = 0; at < data.length; ) {
        const step = 1 + Math.floor(rnd() * 9000);
        sliced.update(data.subarray(at, at + step));
        at += step;
      }
      const expected = hex(azurite.getCRC64FromString(data));
      expect(hex(sliced.digest()), `length ${length}`).toBe(expected);
      expect(hex(crc64(data)), `length ${length}, one update`).toBe(expected);
    }
  });
});

describe("fast Put Page", () => {
  let container: ContainerClient;
  beforeAll(async () => {
    container = await newContainer("crcput");
  });
  afterAll(async () => {
    await container.delete();
  });

  it("answers x-ms-content-crc64 of the body, as the service does", async () => {
    const rnd = prng(7);
    const blob = container.getPageBlobClient("disk.vhd");
    await blob.create(8 * 1024 * 1024);
    for (const size of [512, 64 * 1024, 4 * 1024 * 1024]) {
      const body = randomBuffer(rnd, size);
      const response = await blob.uploadPages(body, 0, size);
      expect(response.xMsContentCrc64, `${size} bytes`).toBeDefined();
      expect(hex(response.xMsContentCrc64!)).toBe(hex(azurite.getCRC64FromString(body)));
    }
  });

  it("still verifies a CRC-64 the client sends", async () => {
    const blob = container.getPageBlobClient("checked.vhd");
    await blob.create(1024 * 1024);
    const body = randomBuffer(prng(11), 4096);
    const good = await blob.uploadPages(body, 0, 4096, { transactionalContentCrc64: crc64(body) });
    expect(hex(good.xMsContentCrc64!)).toBe(hex(crc64(body)));
    const wrong = crc64(Buffer.from("something else"));
    const failure = await blob
      .uploadPages(body, 4096, 4096, { transactionalContentCrc64: wrong })
      .catch((error: { statusCode?: number; code?: string }) => error);
    expect(failure).toMatchObject({ statusCode: 400, code: "Crc64Mismatch" });
  });
});

describe("checksums on reads", () => {
  let container: ContainerClient;
  beforeAll(async () => {
    container = await newContainer("md5read");
  });
  afterAll(async () => {
    await container.delete();
  });

  const bytesOf = async (response: { readableStreamBody?: NodeJS.ReadableStream }) => {
    const chunks: Buffer[] = [];
    for await (const chunk of response.readableStreamBody ?? []) chunks.push(Buffer.from(chunk));
    return Buffer.concat(chunks);
  };

  it("answers a range's Content-MD5 only when the request asks for it, as the service does", async () => {
    const blob = container.getPageBlobClient("disk.vhd");
    await blob.create(8 * 1024 * 1024);
    const body = randomBuffer(prng(13), 4 * 1024 * 1024);
    await blob.uploadPages(body, 0, body.length);
    for (const [offset, count] of [
      [0, 4096],
      [512, 64 * 1024],
      [0, 4 * 1024 * 1024],
    ] as const) {
      const want = body.subarray(offset, offset + count);
      const plain = await blob.download(offset, count);
      expect(plain.contentMD5, `${offset}+${count} unasked`).toBeUndefined();
      expect((await bytesOf(plain)).equals(want), `${offset}+${count} bytes`).toBe(true);
      const asked = await blob.download(offset, count, { rangeGetContentMD5: true });
      expect(hex(asked.contentMD5!), `${offset}+${count} asked`).toBe(
        createHash("md5").update(want).digest("hex"),
      );
      expect((await bytesOf(asked)).equals(want)).toBe(true);
    }
  });

  it("answers a whole page blob's Content-MD5 only when one is stored, as the service does", async () => {
    // Azurite hashed every read up to 4 MiB and answered the hash for a whole-blob read of a blob with none.
    const blob = container.getPageBlobClient("small.vhd");
    await blob.create(64 * 1024);
    const body = randomBuffer(prng(17), 64 * 1024);
    await blob.uploadPages(body, 0, body.length);
    const unset = await blob.download();
    expect(unset.contentMD5).toBeUndefined();
    expect((await bytesOf(unset)).equals(body)).toBe(true);
    const stored = createHash("md5").update("what the client set").digest();
    await blob.setHTTPHeaders({ blobContentMD5: new Uint8Array(stored) });
    const set = await blob.download();
    expect(hex(set.contentMD5!)).toBe(stored.toString("hex"));
    expect((await bytesOf(set)).equals(body)).toBe(true);
  });
});

// Replaces Azurite 3.37's byte-at-a-time CRC-64 on Put Page (5-7x slower writes) with a sliced one
// for the emulators that ask for it, so Put Page still answers x-ms-content-crc64 as the service does;
// a checksum the client sent is still verified by Azurite's own comparison.
import { AsyncLocalStorage } from "node:async_hooks";
import { createHash } from "node:crypto";
import type { Readable } from "node:stream";
import { Crc64 } from "./crc64";

interface ChecksumFlags {
  md5?: boolean;
  crc64?: boolean;
}
interface ExpectedChecksums {
  md5?: unknown;
  crc64?: unknown;
}
interface Checksums {
  md5: Uint8Array | undefined;
  crc64: Uint8Array | undefined;
}
type ComputeChecksums = (
  stream: Readable,
  expected: ExpectedChecksums,
  force?: ChecksumFlags,
) => Promise<Checksums>;

/**
 * How Put Page computes its checksums: "stock" is Azurite's own code; "fast" the same results with the
 * sliced CRC-64; "no-crc" skips the CRC nobody asked for (no x-ms-content-crc64 in the answer; only
 * there to measure what the CRC costs).
 */
export type PutPageMode = "stock" | "fast" | "no-crc";

const mode = new AsyncLocalStorage<PutPageMode>();
let installed = false;

// Same contract as Azurite's computeTransactionalChecksums (one pass over the stream, MD5 and/or CRC-64
// when expected or forced), with the sliced CRC.
function fastChecksums(stream: Readable, expected: ExpectedChecksums, force?: ChecksumFlags) {
  const md5 = expected.md5 !== undefined || force?.md5 === true ? createHash("md5") : undefined;
  const crc = expected.crc64 !== undefined || force?.crc64 === true ? new Crc64() : undefined;
  return new Promise<Checksums>((resolve, reject) => {
    stream
      .on("data", (chunk: Buffer) => {
        md5?.update(chunk);
        crc?.update(chunk);
      })
      .on("end", () => resolve({ md5: md5 ? new Uint8Array(md5.digest()) : undefined, crc64: crc?.digest() }))
      .on("error", reject);
  });
}

// The patch is process-wide, but it only acts inside requests of an emulator started in a non-stock
// mode (the async context says which), so stock and fast emulators can run side by side.
function install(): void {
  if (installed) return;
  installed = true;
  const utils = require("azurite/dist/src/common/utils/utils") as {
    computeTransactionalChecksums: ComputeChecksums;
  };
  const original = utils.computeTransactionalChecksums;
  utils.computeTransactionalChecksums = (stream, expected, force) => {
    switch (mode.getStore()) {
      case "fast":
        return fastChecksums(stream, expected, force);
      case "no-crc":
        if (force?.crc64 === true && expected.crc64 === undefined) {
          return fastChecksums(stream, expected, { ...force, crc64: false });
        }
        return fastChecksums(stream, expected, force);
      default:
        return original(stream, expected, force);
    }
  };
}

export function runWithPutPageMode<T>(putPageMode: PutPageMode, run: () => T): T {
  install();
  return mode.run(putPageMode, run);
}

// Azurite's checksum work made fast and as the service does it, for the emulators that ask for it:
// Put Page's x-ms-content-crc64 from a sliced CRC-64 instead of Azurite 3.37's byte at a time (5-7x
// slower writes), and a read's Content-MD5 only when the request asks for it (Azurite hashes every
// read up to 4 MiB, and reads the data twice to do it). A checksum the client sent is still verified
// by Azurite's own comparison.
import { AsyncLocalStorage } from "node:async_hooks";
import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
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

/**
 * Sent by the proxy on its own Put Page of a Put Page From URL, whose answer carries no CRC-64: the
 * emulator skips computing it (not signed, not a service header; a client sending it only loses its CRC).
 */
export const OMIT_CRC64_HEADER = "x-emulator-omit-crc64";

/** What one request asks of the checksums. */
interface RequestChecksums {
  mode: PutPageMode;
  /** x-ms-range-get-content-md5: true (the service returns a range's MD5 only then). */
  rangeMd5: boolean;
  /** false on the proxy's own Put Page (OMIT_CRC64_HEADER). */
  crc64: boolean;
}

const current = new AsyncLocalStorage<RequestChecksums>();
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
    getMD5FromStream: (stream: Readable) => Promise<Uint8Array | undefined>;
  };
  const original = utils.computeTransactionalChecksums;
  utils.computeTransactionalChecksums = (stream, expected, force) => {
    const request = current.getStore();
    if (request === undefined || request.mode === "stock") return original(stream, expected, force);
    // A CRC-64 nobody will see (no-crc mode, the proxy's own write) is not computed; a client's is checked.
    const omit = (request.mode === "no-crc" || !request.crc64) && expected.crc64 === undefined;
    return fastChecksums(stream, expected, omit ? { ...force, crc64: false } : force);
  };
  const originalMd5 = utils.getMD5FromStream;
  // Only read handlers call it (a range up to 4 MiB, or a whole blob with no stored MD5): unasked, the
  // service answers no Content-MD5 there, so the stream is closed unread and the read answers none.
  utils.getMD5FromStream = (stream) => {
    const request = current.getStore();
    if (request === undefined || request.mode === "stock" || request.rangeMd5) return originalMd5(stream);
    (stream as Readable & { destroy?: () => void }).destroy?.();
    return Promise.resolve(undefined);
  };
}

/** Runs a request's handling with the checksum behaviour of `putPageMode` and what `request` asks. */
export function runWithPutPageMode<T>(putPageMode: PutPageMode, request: IncomingMessage, run: () => T): T {
  install();
  const store: RequestChecksums = {
    mode: putPageMode,
    rangeMd5: String(request.headers["x-ms-range-get-content-md5"]).toLowerCase() === "true",
    crc64: request.headers[OMIT_CRC64_HEADER] === undefined,
  };
  return current.run(store, run);
}

// Removes Azurite 3.37's forced byte-at-a-time CRC-64 on Put Page (5-7x slower writes) for the
// emulators that ask for it; a checksum the client sent is still computed and verified.
import { AsyncLocalStorage } from "node:async_hooks";
import type { Readable } from "node:stream";

interface ChecksumFlags {
  md5?: boolean;
  crc64?: boolean;
}
interface ExpectedChecksums {
  md5?: unknown;
  crc64?: unknown;
}
type ComputeChecksums = (
  stream: Readable,
  expected: ExpectedChecksums,
  force?: ChecksumFlags,
) => Promise<unknown>;

const fastMode = new AsyncLocalStorage<boolean>();
let installed = false;

// The patch is process-wide, but it only acts inside requests of an emulator started with
// fastPutPage (the async context says which), so stock and fast emulators can run side by side.
function install(): void {
  if (installed) return;
  installed = true;
  const utils = require("azurite/dist/src/common/utils/utils") as {
    computeTransactionalChecksums: ComputeChecksums;
  };
  const original = utils.computeTransactionalChecksums;
  utils.computeTransactionalChecksums = (stream, expected, force) => {
    if (fastMode.getStore() === true && force?.crc64 === true && expected.crc64 === undefined) {
      return original(stream, expected, { ...force, crc64: false });
    }
    return original(stream, expected, force);
  };
}

export function runWithPutPageMode<T>(fast: boolean, run: () => T): T {
  install();
  return fastMode.run(fast, run);
}

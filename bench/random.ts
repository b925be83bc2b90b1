// Seeded data for the benchmark: a pool of pseudo-random bytes to cut page contents from, allocation
// layouts and change patterns (sequential 1 MiB blocks, random 4 KiB pages, random 64 KiB extents).
import { mulberry32 } from "../local/prng";
import { type ByteRange, totalBytes } from "../src/ranges";
import { MiB } from "./config";

export { mulberry32 };

/** Random bytes (incompressible, like real disk data) to take write bodies from. */
export class DataPool {
  readonly bytes: Buffer;
  private cursor = 0;

  constructor(seed: number, size = 32 * MiB) {
    const rand = mulberry32(seed);
    const words = new Uint32Array(size / 4);
    for (let i = 0; i < words.length; i++) words[i] = (rand() * 4294967296) >>> 0;
    this.bytes = Buffer.from(words.buffer);
  }

  /** A body of `length` bytes; successive calls give different contents. */
  take(length: number): Buffer {
    if (length > this.bytes.length) throw new RangeError(`pool is smaller than ${length} bytes`);
    if (this.cursor + length > this.bytes.length) this.cursor = 0;
    const body = this.bytes.subarray(this.cursor, this.cursor + length);
    this.cursor = (this.cursor + 4096 + length) % (this.bytes.length - 4096);
    return body;
  }
}

/** `count` extents of `extentBytes` at distinct seeded slots of a disk of `diskBytes`. */
export function allocationLayout(
  rand: () => number,
  diskBytes: number,
  extentBytes: number,
  count: number,
): ByteRange[] {
  const slots = Math.floor(diskBytes / extentBytes);
  if (count > slots) throw new RangeError(`${count} extents do not fit in ${slots} slots`);
  const chosen = new Set<number>();
  while (chosen.size < count) chosen.add(Math.floor(rand() * slots));
  return [...chosen]
    .sort((a, b) => a - b)
    .map((slot) => ({ offset: slot * extentBytes, length: extentBytes }));
}

export type ChangePattern = "seq1M" | "rand4K" | "rand64K";

export const PATTERN_LABELS: Record<ChangePattern, string> = {
  seq1M: "sequential 1 MiB blocks",
  rand4K: "random 4 KiB pages",
  rand64K: "random 64 KiB extents",
};

const BLOCK_BYTES: Record<ChangePattern, number> = { seq1M: MiB, rand4K: 4096, rand64K: 64 * 1024 };

/** Maps a logical offset (in the allocated bytes laid end to end) to its disk offset. */
function physical(layout: readonly ByteRange[], logical: number): number {
  let rest = logical;
  for (const extent of layout) {
    if (rest < extent.length) return extent.offset + rest;
    rest -= extent.length;
  }
  throw new RangeError(`logical offset ${logical} is past the allocation`);
}

/**
 * The writes of one change window: `fraction` of the allocated bytes, in blocks of the pattern's size,
 * inside the allocated extents (a disk rewrites its files), as separate writes in the order issued.
 */
export function changeWrites(
  rand: () => number,
  layout: readonly ByteRange[],
  pattern: ChangePattern,
  fraction: number,
): ByteRange[] {
  const block = BLOCK_BYTES[pattern];
  const allocated = totalBytes(layout);
  const blocks = Math.floor(allocated / block);
  const count = Math.max(1, Math.round((allocated * fraction) / block));
  const logicalBlocks: number[] = [];
  if (pattern === "seq1M") {
    const start = Math.floor(rand() * blocks);
    for (let i = 0; i < count; i++) logicalBlocks.push((start + i) % blocks);
  } else {
    const chosen = new Set<number>();
    while (chosen.size < count) chosen.add(Math.floor(rand() * blocks));
    logicalBlocks.push(...chosen);
  }
  return logicalBlocks.map((b) => ({ offset: physical(layout, b * block), length: block }));
}

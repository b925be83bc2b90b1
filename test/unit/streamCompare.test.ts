// compareStreams: two byte streams compared piece by piece, whatever the cut of their pieces; the first
// differing byte found exactly, a prefix reported where it ends, a failing side closing the other.
import { describe, expect, it } from "vitest";
import { compareStreams, type Piece } from "../../src/copy/streamCompare";
import { seededRandom } from "../support/random";

/** The bytes cut into pieces of random sizes (0 to `max` bytes, empty pieces included). */
function cut(data: Buffer, rand: () => number, max: number): Buffer[] {
  const pieces: Buffer[] = [];
  for (let at = 0; at < data.length; ) {
    const n = Math.min(data.length - at, Math.floor(rand() * (max + 1)));
    pieces.push(data.subarray(at, at + n));
    at += n;
  }
  return pieces;
}

async function* streamOf(pieces: Piece[], tracker?: { closed: boolean }, failAt?: number) {
  try {
    for (const [i, piece] of pieces.entries()) {
      if (i === failAt) throw new Error("connection reset");
      await new Promise((resolve) => setImmediate(resolve));
      yield piece;
    }
  } finally {
    if (tracker) tracker.closed = true;
  }
}

describe("compareStreams", () => {
  it("finds the first differing byte however both sides are cut (randomized)", async () => {
    const { rand, seed } = seededRandom();
    console.log(`streamCompare seed=${seed}`);
    for (let round = 0; round < 300; round++) {
      const length = Math.floor(rand() * 5000);
      const a = Buffer.from(Array.from({ length }, () => Math.floor(rand() * 256)));
      const b = Buffer.from(a);
      let expected: number | undefined;
      const kind = rand();
      let other: Buffer = b;
      if (kind < 0.4 && length > 0) {
        expected = Math.floor(rand() * length);
        b[expected] = (b[expected]! + 1 + Math.floor(rand() * 255)) % 256;
        // a second difference after the first must not move it
        const later = expected + Math.floor(rand() * (length - expected));
        if (later > expected) b[later] = (b[later]! + 1) % 256;
      } else if (kind < 0.6) {
        other = b.subarray(0, Math.floor(rand() * length));
        expected = other.length < length ? other.length : undefined;
      }
      const maxPiece = 1 + Math.floor(rand() * 700);
      const result = await compareStreams(
        streamOf(cut(a, rand, maxPiece)),
        streamOf(cut(other, rand, 1 + Math.floor(rand() * 700))),
      );
      const context = `seed=${seed} round=${round} length=${length}`;
      expect(result.lengths, context).toEqual([length, other.length]);
      expect(result.firstDifference, context).toBe(expected);
    }
  });

  it("compares strings, Uint8Arrays and empty streams", async () => {
    expect(await compareStreams(streamOf([]), streamOf([]))).toEqual({
      lengths: [0, 0],
      firstDifference: undefined,
    });
    expect(await compareStreams(streamOf(["ab", "c"]), streamOf([new Uint8Array([97, 98, 99])]))).toEqual({
      lengths: [3, 3],
      firstDifference: undefined,
    });
    expect(await compareStreams(streamOf([]), streamOf(["x"]))).toEqual({
      lengths: [0, 1],
      firstDifference: 0,
    });
  });

  it("rejects when a side fails, and closes the other side", async () => {
    const other = { closed: false };
    const data = Buffer.alloc(4096, 7);
    const pieces = cut(data, () => 0.5, 512);
    await expect(
      compareStreams(streamOf(pieces, undefined, 3), streamOf([...pieces, ...pieces, ...pieces], other)),
    ).rejects.toThrow("connection reset");
    expect(other.closed).toBe(true);
  });
});

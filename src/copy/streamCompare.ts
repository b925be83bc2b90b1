// Compares two byte streams as their pieces arrive, holding only the pieces in hand: a verification reads
// the same span from two blobs (the source and the backup snapshot; a restored disk and its restore point)
// and needs to know only whether (and where) they differ, so neither side is ever buffered whole.

/** What one side of a read yields: the SDK's Node streams give Buffers (strings are tolerated). */
export type Piece = Buffer | Uint8Array | string;

export interface StreamComparison {
  /** Bytes that arrived on each side. */
  lengths: [number, number];
  /**
   * Offset of the first byte that differs, or where the shorter side ended if one is a prefix of the
   * other; undefined when both sides are equal.
   */
  firstDifference: number | undefined;
}

const EMPTY = Buffer.alloc(0);

interface Side {
  pieces: AsyncIterator<Piece>;
  piece: Buffer;
  done: boolean;
  length: number;
}

const toBuffer = (piece: Piece): Buffer =>
  typeof piece === "string" ? Buffer.from(piece) : Buffer.isBuffer(piece) ? piece : Buffer.from(piece);

/**
 * Index of the first byte where two buffers differ; the shorter one's length when no byte of their common
 * part differs (equal buffers: their length).
 */
export function firstDifference(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  if (a.subarray(0, n).equals(b.subarray(0, n))) return n;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}

/** Takes the side's next piece when its current one is used up (skipping empty pieces). */
async function refill(side: Side): Promise<void> {
  while (side.piece.length === 0 && !side.done) {
    const next = await side.pieces.next();
    if (next.done) side.done = true;
    else {
      side.piece = toBuffer(next.value);
      side.length += side.piece.length;
    }
  }
}

/**
 * Reads both streams to their end and compares them byte for byte. Both are read side by side, so
 * neither stalls the other's connection; a stream that fails rejects the comparison, and the other one
 * is closed (its iterator returned) before this returns or throws.
 */
export async function compareStreams(
  a: AsyncIterable<Piece>,
  b: AsyncIterable<Piece>,
): Promise<StreamComparison> {
  const sides: [Side, Side] = [
    { pieces: a[Symbol.asyncIterator](), piece: EMPTY, done: false, length: 0 },
    { pieces: b[Symbol.asyncIterator](), piece: EMPTY, done: false, length: 0 },
  ];
  const [x, y] = sides;
  let at = 0;
  let first: number | undefined;
  try {
    for (;;) {
      await Promise.all([refill(x), refill(y)]);
      if (x.piece.length === 0 || y.piece.length === 0) {
        // One side ended (or both): whatever the other still brings is a difference at `at`.
        if (x.piece.length === 0 && y.piece.length === 0) break;
        first ??= at;
        x.piece = EMPTY;
        y.piece = EMPTY;
        continue;
      }
      const n = Math.min(x.piece.length, y.piece.length);
      if (first === undefined) {
        const d = firstDifference(x.piece.subarray(0, n), y.piece.subarray(0, n));
        if (d < n) first = at + d;
      }
      at += n;
      x.piece = x.piece.subarray(n);
      y.piece = y.piece.subarray(n);
    }
  } finally {
    await Promise.allSettled(sides.filter((s) => !s.done).map((s) => s.pieces.return?.()));
  }
  return { lengths: [x.length, y.length], firstDifference: first };
}

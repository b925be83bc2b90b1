// Rotation of rolling verification (pure): the disk's address space is cut into fixed chunks; each
// window compares the allocated chunks from where the previous window stopped until VERIFY_PERCENT of
// the allocated bytes is reached, so coverage accumulates window after window. Reaching the end of the
// disk completes the pass; the next window starts a new pass at offset 0. The state (pass, cursor) is
// recorded on each verified restore point, so it survives restarts and the next window is deterministic.
import { type ByteRange, rangeEnd, totalBytes } from "../ranges";
import type { RotationState, VerificationRecord } from "./types";

export const FIRST_STATE: RotationState = { pass: 1, cursor: 0 };

export interface WindowChoice {
  /** One span per chunk: from its first to its last allocated byte (read in one request per side). */
  spans: ByteRange[];
  chunks: number;
  /** Allocated bytes in the chosen chunks. */
  windowBytes: number;
  allocatedBytes: number;
  pass: number;
  from: number;
  to: number;
  passComplete: boolean;
  /** Share of the allocated bytes in [0, to): covered in this pass once the window is compared. */
  coverage: number;
  next: RotationState;
}

/**
 * Chooses the next window. `allocated` is coalesced and sorted (the union of both snapshots' allocated
 * ranges); `percent` in (0, 100]; `full` compares the whole disk as one window (a complete pass).
 */
export function chooseWindow(options: {
  allocated: readonly ByteRange[];
  sizeBytes: number;
  state: RotationState;
  percent: number;
  chunkBytes: number;
  full?: boolean;
}): WindowChoice {
  const { allocated, sizeBytes, chunkBytes } = options;
  const allocatedBytes = totalBytes(allocated);
  // A cursor past the end (the disk shrank) means the pass is over: start the next one.
  const state =
    options.state.cursor >= sizeBytes && options.state.cursor > 0
      ? { pass: options.state.pass + 1, cursor: 0 }
      : options.state;
  const from = options.full ? 0 : Math.floor(state.cursor / chunkBytes) * chunkBytes;
  const budget = options.full
    ? Number.POSITIVE_INFINITY
    : Math.max(1, Math.ceil((allocatedBytes * options.percent) / 100));

  const spans: ByteRange[] = [];
  let windowBytes = 0;
  let chunk = -1;
  let spanStart = 0;
  let spanEnd = 0;
  let to = sizeBytes;
  const close = () => {
    if (chunk >= 0) spans.push({ offset: spanStart, length: spanEnd - spanStart });
  };
  outer: for (const range of allocated) {
    let offset = Math.max(range.offset, from);
    const end = Math.min(rangeEnd(range), sizeBytes);
    while (offset < end) {
      const index = Math.floor(offset / chunkBytes);
      if (index !== chunk) {
        if (windowBytes >= budget) {
          to = index * chunkBytes;
          break outer;
        }
        close();
        chunk = index;
        spanStart = offset;
      }
      const pieceEnd = Math.min(end, (index + 1) * chunkBytes);
      windowBytes += pieceEnd - offset;
      spanEnd = pieceEnd;
      offset = pieceEnd;
    }
  }
  close();
  const passComplete = to >= sizeBytes;
  const before = passComplete ? allocatedBytes : bytesBelow(allocated, to);
  return {
    spans,
    chunks: spans.length,
    windowBytes,
    allocatedBytes,
    pass: state.pass,
    from,
    to,
    passComplete,
    coverage: allocatedBytes === 0 ? 1 : before / allocatedBytes,
    next: passComplete ? { pass: state.pass + 1, cursor: 0 } : { pass: state.pass, cursor: to },
  };
}

/** Allocated bytes below `offset`. */
function bytesBelow(ranges: readonly ByteRange[], offset: number): number {
  let sum = 0;
  for (const r of ranges) {
    if (r.offset >= offset) break;
    sum += Math.min(rangeEnd(r), offset) - r.offset;
  }
  return sum;
}

/** A verification record as written by record.ts, or undefined (a restore's record, or none). */
export function parseRecord(text: string | undefined): VerificationRecord | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as Partial<VerificationRecord>;
    const next = value.next;
    if ((value.mode !== "rolling" && value.mode !== "full") || !next) return undefined;
    if (!Number.isSafeInteger(next.pass) || !Number.isSafeInteger(next.cursor)) return undefined;
    return value as VerificationRecord;
  } catch {
    return undefined;
  }
}

/**
 * Where the window of restore point `restorePointId` starts: the state left by the newest verified point
 * that started before it (points newest first), or the first pass at offset 0.
 */
export function stateBefore(
  points: ReadonlyArray<{ restorePointId: string; startedAt: string; verification?: string | undefined }>,
  self: { restorePointId: string; startedAt: string },
): RotationState {
  const at = Date.parse(self.startedAt);
  let best: { ms: number; state: RotationState } | undefined;
  for (const p of points) {
    if (p.restorePointId === self.restorePointId) continue;
    const ms = Date.parse(p.startedAt);
    if (!(ms < at) || (best && best.ms >= ms)) continue;
    const record = parseRecord(p.verification);
    if (record) best = { ms, state: record.next };
  }
  return best?.state ?? FIRST_STATE;
}

// Rotation of rolling verification (pure): windows of VERIFY_PERCENT of the allocated bytes, chunk by
// chunk from where the last one stopped; a pass covers every allocated byte exactly once in at most
// ceil(100 / percent) windows, then the next pass starts at 0. Seeded random layouts (seed printed).
import { describe, expect, it } from "vitest";
import { type ByteRange, coalesce, rangeEnd, totalBytes } from "../../src/ranges";
import { recordOf } from "../../src/verification/record";
import { chooseWindow, FIRST_STATE, parseRecord, stateBefore } from "../../src/verification/rotation";
import type { RotationState, VerifyPlan } from "../../src/verification/types";
import { seededRandom } from "../support/random";

const MiB = 1024 * 1024;
const CHUNK = MiB;

function walkPass(
  allocated: ByteRange[],
  sizeBytes: number,
  percent: number,
  start: RotationState = FIRST_STATE,
) {
  const windows = [];
  let state = start;
  for (let i = 0; i < 10_000; i++) {
    const w = chooseWindow({ allocated, sizeBytes, state, percent, chunkBytes: CHUNK });
    windows.push(w);
    state = w.next;
    if (w.passComplete) return { windows, state };
  }
  throw new Error("the pass never completed");
}

describe("chooseWindow", () => {
  it("takes whole chunks until the share is reached, then stops at the next allocated chunk", () => {
    // 10 MiB allocated in 10 chunks of a 64 MiB disk; 25% = 2.5 MiB: three chunks per window.
    const allocated = Array.from({ length: 10 }, (_, i) => ({
      offset: i * 4 * MiB + 512,
      length: MiB - 512,
    })).concat([{ offset: 60 * MiB, length: 512 * 10 }]);
    const w1 = chooseWindow({
      allocated,
      sizeBytes: 64 * MiB,
      state: FIRST_STATE,
      percent: 25,
      chunkBytes: CHUNK,
    });
    expect(w1.spans).toEqual([
      { offset: 512, length: MiB - 512 },
      { offset: 4 * MiB + 512, length: MiB - 512 },
      { offset: 8 * MiB + 512, length: MiB - 512 },
    ]);
    expect(w1).toMatchObject({ chunks: 3, from: 0, to: 12 * MiB, pass: 1, passComplete: false });
    expect(w1.next).toEqual({ pass: 1, cursor: 12 * MiB });
    expect(w1.coverage).toBeCloseTo((3 * (MiB - 512)) / totalBytes(allocated), 10);
    const w2 = chooseWindow({
      allocated,
      sizeBytes: 64 * MiB,
      state: w1.next,
      percent: 25,
      chunkBytes: CHUNK,
    });
    expect(w2.spans[0]).toEqual({ offset: 12 * MiB + 512, length: MiB - 512 });
  });

  it("splits a range that spans chunks at the chunk boundaries, at its true offsets", () => {
    const allocated = [{ offset: MiB / 2, length: 3 * MiB }];
    const w = chooseWindow({
      allocated,
      sizeBytes: 8 * MiB,
      state: FIRST_STATE,
      percent: 100,
      chunkBytes: CHUNK,
    });
    expect(w.spans).toEqual([
      { offset: MiB / 2, length: MiB / 2 },
      { offset: MiB, length: MiB },
      { offset: 2 * MiB, length: MiB },
      { offset: 3 * MiB, length: MiB / 2 },
    ]);
    expect(w).toMatchObject({ passComplete: true, coverage: 1, next: { pass: 2, cursor: 0 } });
  });

  it("compares the whole disk in one window when full, completing the pass", () => {
    const allocated = [
      { offset: 0, length: 3 * MiB },
      { offset: 7 * MiB, length: MiB },
    ];
    const w = chooseWindow({
      allocated,
      sizeBytes: 8 * MiB,
      state: { pass: 4, cursor: 5 * MiB },
      percent: 1,
      chunkBytes: CHUNK,
      full: true,
    });
    expect(w).toMatchObject({ from: 0, to: 8 * MiB, chunks: 4, windowBytes: 4 * MiB, pass: 4, coverage: 1 });
    expect(w.next).toEqual({ pass: 5, cursor: 0 });
  });

  it("starts a new pass when the disk shrank below the cursor, and handles an empty disk", () => {
    const allocated = [{ offset: 0, length: MiB }];
    const w = chooseWindow({
      allocated,
      sizeBytes: 2 * MiB,
      state: { pass: 2, cursor: 5 * MiB },
      percent: 50,
      chunkBytes: CHUNK,
    });
    expect(w).toMatchObject({ pass: 3, from: 0, chunks: 1 });
    const empty = chooseWindow({
      allocated: [],
      sizeBytes: 4 * MiB,
      state: FIRST_STATE,
      percent: 5,
      chunkBytes: CHUNK,
    });
    expect(empty).toMatchObject({ chunks: 0, coverage: 1, passComplete: true, next: { pass: 2, cursor: 0 } });
  });

  it("covers every allocated byte exactly once per pass, within ceil(100 / percent) windows (random layouts)", () => {
    const { rand, seed } = seededRandom();
    console.log(`rotation property seed ${seed} (TEST_SEED=${seed} replays)`);
    for (let round = 0; round < 300; round++) {
      const context = `seed ${seed} round ${round}`;
      const sizeBytes = (1 + Math.floor(rand() * 200)) * 512 * 1024;
      const raw: ByteRange[] = [];
      for (let i = Math.floor(rand() * 40); i > 0; i--) {
        const offset = Math.floor((rand() * sizeBytes) / 512) * 512;
        const length = Math.min(sizeBytes - offset, (1 + Math.floor(rand() * 6000)) * 512);
        if (length > 0) raw.push({ offset, length });
      }
      const allocated = coalesce(raw);
      const percent = [1, 2.5, 5, 10, 33, 50, 100][Math.floor(rand() * 7)]!;
      const total = totalBytes(allocated);
      const budget = Math.max(1, Math.ceil((total * percent) / 100));
      // Two passes from a random cursor: the first is partial, the second complete.
      const cursor = Math.floor((rand() * sizeBytes) / CHUNK) * CHUNK;
      const first = walkPass(allocated, sizeBytes, percent, { pass: 1, cursor });
      expect(first.state, context).toEqual({ pass: 2, cursor: 0 });
      const { windows } = walkPass(allocated, sizeBytes, percent, first.state);
      expect(windows.length, context).toBeLessThanOrEqual(Math.max(1, Math.ceil(100 / percent)));
      let previousCoverage = 0;
      let position = 0;
      const covered: ByteRange[] = [];
      for (const [i, w] of windows.entries()) {
        expect(w.pass, context).toBe(2);
        expect(w.from, context).toBe(position);
        expect(w.coverage, context).toBeGreaterThanOrEqual(previousCoverage);
        if (!w.passComplete) expect(w.windowBytes, context).toBeGreaterThanOrEqual(budget);
        expect(w.passComplete, context).toBe(i === windows.length - 1);
        for (const span of w.spans) {
          expect(span.offset, context).toBeGreaterThanOrEqual(w.from);
          expect(rangeEnd(span), context).toBeLessThanOrEqual(w.to);
          expect(Math.floor(span.offset / CHUNK), context).toBe(Math.floor((rangeEnd(span) - 1) / CHUNK));
          covered.push(span);
        }
        previousCoverage = w.coverage;
        position = w.to;
      }
      expect(windows.at(-1)?.coverage, context).toBe(1);
      // Every allocated byte is inside exactly one span of the pass; spans never overlap.
      const sorted = [...covered].sort((a, b) => a.offset - b.offset);
      for (let i = 1; i < sorted.length; i++) {
        expect(sorted[i]!.offset, context).toBeGreaterThanOrEqual(rangeEnd(sorted[i - 1]!));
      }
      const inSpans = allocated.flatMap((r) =>
        sorted.map((s) => Math.max(0, Math.min(rangeEnd(r), rangeEnd(s)) - Math.max(r.offset, s.offset))),
      );
      expect(
        inSpans.reduce((a, b) => a + b, 0),
        context,
      ).toBe(total);
      expect(
        windows.reduce((s, w) => s + w.windowBytes, 0),
        context,
      ).toBe(total);
    }
  });
});

describe("the rotation state on restore points", () => {
  const plan = (next: RotationState) =>
    ({
      mode: "rolling",
      percent: 5,
      chunkBytes: CHUNK,
      pass: next.pass,
      from: 0,
      to: next.cursor,
      allocatedBytes: 10,
      coverage: 0.5,
      passComplete: false,
      next,
      layoutMismatch: null,
    }) as unknown as VerifyPlan;
  const recorded = (next: RotationState) =>
    JSON.stringify(recordOf({ plan: plan(next), parts: [] }, "2025-01-01T00:00:00Z"));

  it("reads the newest state recorded before the point, ignoring restore verifications and newer points", () => {
    const points = [
      {
        restorePointId: "d",
        startedAt: "2025-01-04T00:00:00Z",
        verification: recorded({ pass: 9, cursor: 0 }),
      },
      { restorePointId: "c", startedAt: "2025-01-03T00:00:00Z" },
      {
        restorePointId: "b",
        startedAt: "2025-01-02T00:00:00Z",
        verification: recorded({ pass: 2, cursor: 3 * MiB }),
      },
      {
        restorePointId: "r",
        startedAt: "2025-01-01T12:00:00Z",
        verification: JSON.stringify({ verified: true, bytesCompared: 5 }),
      },
      {
        restorePointId: "a",
        startedAt: "2025-01-01T00:00:00Z",
        verification: recorded({ pass: 1, cursor: MiB }),
      },
    ];
    expect(stateBefore(points, { restorePointId: "c", startedAt: "2025-01-03T00:00:00Z" })).toEqual({
      pass: 2,
      cursor: 3 * MiB,
    });
    expect(stateBefore(points, { restorePointId: "x", startedAt: "2025-01-01T18:00:00Z" })).toEqual({
      pass: 1,
      cursor: MiB,
    });
    expect(stateBefore(points, { restorePointId: "a", startedAt: "2025-01-01T00:00:00Z" })).toEqual(
      FIRST_STATE,
    );
    expect(parseRecord(points[3]?.verification)).toBeUndefined();
    expect(parseRecord("not json")).toBeUndefined();
  });

  it("sums parts into the record and counts a size difference as a mismatch", () => {
    const record = recordOf(
      {
        plan: { ...plan({ pass: 1, cursor: 2 * MiB }), layoutMismatch: "sizes differ" },
        parts: [
          {
            bytesCompared: 100,
            chunks: 2,
            mismatchCount: 1,
            mismatches: [{ offset: 5 * MiB, length: 512, firstDifference: 5 * MiB + 7 }],
          },
          { bytesCompared: 50, chunks: 1, mismatchCount: 0, mismatches: [] },
        ],
      },
      "2025-01-01T00:00:00Z",
    );
    expect(record).toMatchObject({
      bytesCompared: 150,
      chunks: 3,
      mismatches: 2,
      layoutMismatch: "sizes differ",
    });
    expect(record.mismatchRanges).toEqual([{ offset: 5 * MiB, length: 512, firstDifference: 5 * MiB + 7 }]);
  });
});

// Randomized diff oracle: random writes, identical rewrites, zero writes, clears and resizes over
// many snapshots; for every pair, the paged diff applied to the older snapshot must reproduce the
// newer byte for byte, and the reported ranges must equal the model's, in journal and compare mode.
import type { ContainerClient, PageBlobClient } from "@azure/storage-blob";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  applyDiff,
  type DiffResult,
  emu,
  fetchDiff,
  newContainer,
  pathOf,
  prng,
  seedFromEnv,
} from "./helpers";

const PAGE = 512;
const MAX_PAGES = 384;
const SNAPSHOTS = 7;
const OPS_PER_SNAPSHOT = 30;

interface State {
  data: Buffer; // MAX_PAGES pages; bytes past `size` are zero
  allocated: boolean[];
  size: number;
}
interface Taken {
  id: string;
  state: State;
  /** Pages touched (written or cleared) since the previous snapshot. */
  touched: Set<number>;
}

const clone = (s: State): State => ({ data: Buffer.from(s.data), allocated: [...s.allocated], size: s.size });

/** Expected diff as page numbers: journal ("written since") or compare (content) semantics. */
function expected(prev: State, target: State, touched: Set<number> | undefined) {
  const pages: number[] = [];
  const clears: number[] = [];
  for (let p = 0; p < target.size / PAGE; p++) {
    const inTarget = target.allocated[p] === true;
    const inPrev = prev.allocated[p] === true && p < prev.size / PAGE;
    const differs = !prev.data
      .subarray(p * PAGE, (p + 1) * PAGE)
      .equals(target.data.subarray(p * PAGE, (p + 1) * PAGE));
    const changed = touched === undefined ? inTarget && (!inPrev || differs) : touched.has(p) && inTarget;
    if (changed) pages.push(p);
    else if (inPrev && !inTarget && (touched === undefined || touched.has(p))) clears.push(p);
  }
  return { pages, clears };
}

function reportedPages(ranges: { start: number; end: number }[]): number[] {
  const out: number[] = [];
  for (const r of ranges) for (let p = r.start / PAGE; p < (r.end + 1) / PAGE; p++) out.push(p);
  return out;
}

async function randomOp(
  blob: PageBlobClient,
  s: State,
  touched: Set<number>,
  rnd: () => number,
): Promise<void> {
  const pages = s.size / PAGE;
  const roll = rnd();
  if (roll < 0.05) {
    const newPages = 64 + Math.floor(rnd() * (MAX_PAGES - 64));
    await blob.resize(newPages * PAGE);
    for (let p = newPages; p < MAX_PAGES; p++) {
      if (p < pages) touched.add(p);
      s.allocated[p] = false;
    }
    s.data.fill(0, newPages * PAGE);
    s.size = newPages * PAGE;
    return;
  }
  const first = Math.floor(rnd() * pages);
  const count = Math.min(pages - first, 1 + Math.floor(rnd() * 12));
  const start = first * PAGE;
  const length = count * PAGE;
  if (roll < 0.25) {
    await blob.clearPages(start, length);
    s.data.fill(0, start, start + length);
  } else {
    let body: Buffer;
    if (roll < 0.45)
      body = Buffer.from(s.data.subarray(start, start + length)); // identical rewrite
    else if (roll < 0.55)
      body = Buffer.alloc(length); // zero write (allocates)
    else body = Buffer.from(Array.from({ length }, () => Math.floor(rnd() * 256)));
    await blob.uploadPages(body, start, length);
    body.copy(s.data, start);
  }
  for (let p = first; p < first + count; p++) {
    touched.add(p);
    s.allocated[p] = roll >= 0.25;
  }
}

async function checkPair(
  blob: PageBlobClient,
  prev: Taken,
  target: Taken | undefined,
  live: State,
  between: Set<number>,
  journal: boolean,
  rnd: () => number,
) {
  const targetState = target?.state ?? live;
  const client = target === undefined ? blob : blob.withSnapshot(target.id);
  const diff: DiffResult = await fetchDiff(client, prev.id, targetState.size, 1 + Math.floor(rnd() * 4));
  const targetBytes = targetState.data.subarray(0, targetState.size);
  const applied = applyDiff(prev.state.data, targetBytes, diff, targetState.size);
  expect(applied.equals(targetBytes)).toBe(true);
  const want = expected(prev.state, targetState, journal ? between : undefined);
  expect(reportedPages(diff.pages)).toEqual(want.pages);
  expect(reportedPages(diff.clears)).toEqual(want.clears);
}

describe("randomized diff oracle", () => {
  let container: ContainerClient;
  beforeAll(async () => {
    container = await newContainer("oracle");
  });
  afterAll(async () => {
    await container.delete({});
  });

  it("reproduces every snapshot from every older one, in journal and compare modes", async () => {
    const seed = seedFromEnv("ORACLE_SEED");
    console.log(`diff oracle seed: ${seed} (rerun with ORACLE_SEED=${seed})`);
    const rnd = prng(seed);
    const blob = container.getPageBlobClient("oracle.vhd");
    await blob.create(MAX_PAGES * PAGE);
    const state: State = {
      data: Buffer.alloc(MAX_PAGES * PAGE),
      allocated: Array(MAX_PAGES).fill(false),
      size: MAX_PAGES * PAGE,
    };
    const taken: Taken[] = [];
    let touched = new Set<number>();
    for (let i = 0; i < SNAPSHOTS; i++) {
      for (let op = 0; op < OPS_PER_SNAPSHOT; op++) await randomOp(blob, state, touched, rnd);
      taken.push({ id: (await blob.createSnapshot()).snapshot!, state: clone(state), touched });
      touched = new Set();
    }
    for (let op = 0; op < OPS_PER_SNAPSHOT; op++) await randomOp(blob, state, touched, rnd);
    const live = { touched };
    const last = taken[taken.length - 1]!;
    expect(
      (await blob.withSnapshot(last.id).downloadToBuffer(0, last.state.size)).equals(
        last.state.data.subarray(0, last.state.size),
      ),
    ).toBe(true);

    const prefix = `${pathOf(container)}/oracle.vhd`;
    for (const mode of ["journal", "compare"] as const) {
      await emu.control.setDiffMode(mode, prefix);
      for (let i = 0; i < taken.length; i++) {
        const between = new Set<number>();
        for (let j = i + 1; j <= taken.length; j++) {
          for (const p of (taken[j] ?? live).touched) between.add(p);
          await checkPair(blob, taken[i]!, taken[j], state, between, mode === "journal", rnd);
        }
      }
    }
    const strategies = await emu.control.getDiffStrategies(prefix);
    expect(strategies.fallback).toBe(0);
    expect(strategies.journal).toBeGreaterThanOrEqual((SNAPSHOTS * (SNAPSHOTS + 1)) / 2);
    expect(strategies.compare).toBeGreaterThanOrEqual((SNAPSHOTS * (SNAPSHOTS + 1)) / 2);
  });
});

// Concurrent writers racing snapshots: every consecutive diff must restore the newer snapshot
// exactly (writes in flight across a snapshot count in both epochs), answered from the journal.
import type { ContainerClient, PageBlobClient } from "@azure/storage-blob";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyDiff, emu, fetchDiff, newContainer, pathOf, prng, seedFromEnv } from "./helpers";

const PAGE = 512;
const PAGES = 512;
const SIZE = PAGES * PAGE;
const WRITERS = 6;
const MIN_WRITES = 400;
const MIN_SNAPSHOTS = 12;
const MAX_MS = 8000;

let totalWrites = 0;

async function writer(blob: PageBlobClient, rnd: () => number, until: () => boolean): Promise<number> {
  let writes = 0;
  while (!until() && writes < 5000) {
    totalWrites++;
    const first = Math.floor(rnd() * PAGES);
    const count = Math.min(PAGES - first, 1 + Math.floor(rnd() * 8));
    if (rnd() < 0.2) await blob.clearPages(first * PAGE, count * PAGE);
    else
      await blob.uploadPages(Buffer.alloc(count * PAGE, Math.floor(rnd() * 256)), first * PAGE, count * PAGE);
    writes++;
  }
  return writes;
}

describe("concurrent writers racing snapshots", () => {
  let container: ContainerClient;
  beforeAll(async () => {
    container = await newContainer("race");
  });
  afterAll(async () => {
    await container.delete();
  });

  it("restores every snapshot from the previous one", async () => {
    const seed = seedFromEnv("RACE_SEED");
    console.log(`race seed: ${seed} (rerun with RACE_SEED=${seed})`);
    const rnd = prng(seed);
    const blob = container.getPageBlobClient("race.vhd");
    await blob.create(SIZE);
    const snapshots: string[] = [(await blob.createSnapshot()).snapshot!];
    let stop = false;
    const writers = Array.from({ length: WRITERS }, (_, i) => writer(blob, prng(seed + i + 1), () => stop));
    // Bounded by work done (and a time cap on very slow machines), never asserted on timing.
    const deadline = Date.now() + MAX_MS;
    while (
      Date.now() < deadline &&
      (totalWrites < MIN_WRITES || snapshots.length < MIN_SNAPSHOTS) &&
      snapshots.length < 200
    ) {
      await new Promise((resolve) => setTimeout(resolve, 10 + rnd() * 30));
      snapshots.push((await blob.createSnapshot()).snapshot!);
    }
    stop = true;
    const writes = (await Promise.all(writers)).reduce((a, b) => a + b, 0);
    snapshots.push((await blob.createSnapshot()).snapshot!);
    console.log(`race: ${writes} writes, ${snapshots.length} snapshots`);
    expect(writes).toBeGreaterThan(snapshots.length);

    let previous = await blob.withSnapshot(snapshots[0]!).downloadToBuffer(0, SIZE);
    for (let i = 1; i < snapshots.length; i++) {
      const target = await blob.withSnapshot(snapshots[i]!).downloadToBuffer(0, SIZE);
      const diff = await fetchDiff(blob.withSnapshot(snapshots[i]!), snapshots[i - 1]!, SIZE, 50);
      expect(applyDiff(previous, target, diff, SIZE).equals(target), `snapshot ${i}`).toBe(true);
      previous = target;
    }
    const strategies = await emu.control.getDiffStrategies(`${pathOf(container)}/race.vhd`);
    expect(strategies).toEqual({ journal: snapshots.length - 1, compare: 0, fallback: 0 });
  });
});

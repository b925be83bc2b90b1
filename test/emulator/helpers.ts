// Shared helpers of the emulator conformance tests: per-test containers, diff application, and
// a seeded PRNG for randomized tests.

import type { ContainerClient, PageBlobClient } from "@azure/storage-blob";
import { expect } from "vitest";
import { mulberry32 } from "../../local/prng";
import { testEmulator, uniqueName } from "../support/emulator";

export const emu = testEmulator();
export const SOURCE = "devstoreaccount1";

export async function newContainer(prefix: string, account = SOURCE): Promise<ContainerClient> {
  const container = emu.blobService(account).getContainerClient(uniqueName(prefix));
  await container.create();
  return container;
}

export function pathOf(container: ContainerClient): string {
  return `/${container.accountName}/${container.containerName}`;
}

export interface DiffResult {
  pages: { start: number; end: number }[];
  clears: { start: number; end: number }[];
  pagesFetched: number;
}

/** Fetches a diff through the paged SDK API with small pages (inclusive start/end). */
export async function fetchDiff(
  blob: PageBlobClient,
  prevSnapshot: string,
  size: number,
  pageSize: number,
  offset = 0,
): Promise<DiffResult> {
  const result: DiffResult = { pages: [], clears: [], pagesFetched: 0 };
  for await (const page of blob
    .listPageRangesDiff(offset, size - offset, prevSnapshot)
    .byPage({ maxPageSize: pageSize })) {
    result.pagesFetched++;
    expect(result.pagesFetched).toBeLessThan(100000);
    for (const r of page.pageRange ?? []) result.pages.push({ start: r.start!, end: r.end! });
    for (const r of page.clearRange ?? []) result.clears.push({ start: r.start!, end: r.end! });
  }
  return result;
}

/** Applies a diff to a copy of the previous contents, reading PageRanges from the target. */
export function applyDiff(previous: Buffer, target: Buffer, diff: DiffResult, size: number): Buffer {
  const out = Buffer.alloc(size);
  previous.copy(out, 0, 0, Math.min(size, previous.length));
  for (const r of diff.clears) out.fill(0, r.start, r.end + 1);
  for (const r of diff.pages) target.copy(out, r.start, r.start, r.end + 1);
  return out;
}

export function seedFromEnv(name: string): number {
  const fromEnv = Number(process.env[name]);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : Math.floor(Math.random() * 2 ** 31);
}

/** Deterministic randomness from a printed seed. */
export const prng = mulberry32;

// Shared setup of the backup integration tests: unique source/backup containers and lineage table per
// test file, a backup context with small tuning, and helpers to write source disks and compare bytes.

import { randomBytes } from "node:crypto";
import type { ContainerClient, PageBlobClient } from "@azure/storage-blob";
import { type AppContext, createAppContext, type Tuning } from "../../../src/app/context";
import { loadSettings, storageEndpointsOf } from "../../../src/config/settings";
import { runDiskBackupDirect } from "../../../src/direct/backup";
import type { InProcessOptions } from "../../../src/direct/runtime";
import { diskOf } from "../../../src/disks/identity";
import { StorageAccess } from "../../../src/storage/clients";
import { blobIn, requireBlobUrl } from "../../../src/storage/urls";
import { testEmulator, uniqueName } from "../../support/emulator";

export const SOURCE_ACCOUNT = "devstoreaccount1";
export const BACKUP_ACCOUNT = "devbackupaccount";
export const MiB = 1024 * 1024;

export interface Harness {
  emu: ReturnType<typeof testEmulator>;
  env: Record<string, string>;
  ctx: AppContext;
  sources: ContainerClient;
  backups: ContainerClient;
  /** Request path prefixes for stats and faults. */
  sourcePrefix: string;
  backupPrefix: string;
  logs: string[];
  cleanup(): Promise<void>;
}

export async function createHarness(
  name: string,
  tuning: Partial<Tuning> = {},
  options: { sourceAccount?: string } = {},
): Promise<Harness> {
  const emu = testEmulator();
  const sourceAccount = options.sourceAccount ?? SOURCE_ACCOUNT;
  const sourceContainer = uniqueName(`${name}src`);
  const backupContainer = uniqueName(`${name}bak`);
  const table = uniqueName(`${name}lin`);
  const env = {
    BACKUP_SOURCES: `${emu.blobEndpoint(sourceAccount)}/${sourceContainer}`,
    BACKUP_TARGET: `${emu.blobEndpoint(BACKUP_ACCOUNT)}/${backupContainer}`,
    LINEAGE_TABLE: `${emu.tableEndpoint(BACKUP_ACCOUNT)}/${table}`,
    STORAGE_ACCOUNT_KEYS: emu.storageAccountKeys,
  };
  const logs: string[] = [];
  const settings = loadSettings(env);
  const storage = new StorageAccess({
    endpoints: storageEndpointsOf(settings),
    accountKeys: settings.accountKeys,
    sdkRetry: { maxTries: 6, retryDelayInMs: 100, maxRetryDelayInMs: 1000 },
  });
  const ctx = createAppContext(settings, {
    storage,
    tuning: { minBatchBytes: 4 * MiB, maxBatches: 16, batchWindow: 4, ...tuning },
    log: (line) => logs.push(line),
  });
  const sources = emu.blobService(sourceAccount).getContainerClient(sourceContainer);
  const backups = emu.blobService(BACKUP_ACCOUNT).getContainerClient(backupContainer);
  await sources.create();
  return {
    emu,
    env,
    ctx,
    sources,
    backups,
    sourcePrefix: `/${sourceAccount}/${sourceContainer}`,
    backupPrefix: `/${BACKUP_ACCOUNT}/${backupContainer}`,
    logs,
    async cleanup() {
      await sources.deleteIfExists();
      await backups.deleteIfExists();
      await ctx.lineage.table.deleteTable().catch(() => {});
    },
  };
}

export function diskFor(h: Harness, blobName: string) {
  const target = h.ctx.settings.target;
  const source = blobIn(h.ctx.settings.sources[0]!, blobName);
  return diskOf(source, target);
}

let counter = 0;

/** Runs one disk backup in-process (the backupDisk procedure through the in-process stand-in). */
export async function backupNow(h: Harness, blobName: string, options: Partial<InProcessOptions> = {}) {
  const disk = diskFor(h, blobName);
  return runDiskBackupDirect(
    h.ctx,
    { diskId: disk.id, sourceUrl: disk.source.url, runId: `test-run-${++counter}` },
    options,
  );
}

/** Writes `length` random bytes at `offset` in ≤ 4 MiB requests; returns the bytes. */
export async function writeRandom(blob: PageBlobClient, offset: number, length: number): Promise<Buffer> {
  const data = randomBytes(length);
  for (let o = 0; o < length; o += 4 * MiB) {
    const n = Math.min(4 * MiB, length - o);
    await blob.uploadPages(data.subarray(o, o + n), offset + o, n);
  }
  return data;
}

/** The blob name inside its container, decoded, from a blob URL (as lineage rows store them). */
export const blobNameOf = (url: string): string => decodeURIComponent(requireBlobUrl(url).blobName ?? "");

/** Full content of a blob or snapshot (small disks only). */
export async function contentOf(blob: PageBlobClient): Promise<Buffer> {
  const props = await blob.getProperties();
  const size = props.contentLength ?? 0;
  return size === 0 ? Buffer.alloc(0) : blob.downloadToBuffer(0, size);
}

/** The backup snapshot of a restore point equals the source snapshot it was taken from, byte for byte. */
export async function expectSameBytes(
  h: Harness,
  blobName: string,
  point: { sourceSnapshot: string; backupSnapshot: string; backupUrl: string },
): Promise<{ source: Buffer; backup: Buffer }> {
  const source = await contentOf(h.sources.getPageBlobClient(blobName).withSnapshot(point.sourceSnapshot));
  const backupName = decodeURIComponent(new URL(point.backupUrl).pathname.split("/").slice(3).join("/"));
  const backup = await contentOf(h.backups.getPageBlobClient(backupName).withSnapshot(point.backupSnapshot));
  return { source, backup };
}

/**
 * The revert tests' tuning: no gap bridging (the chain then writes exactly the touched pages, which bounds
 * what a revert may write; bridging is covered by backupBridging.test.ts), small batches, few clears each.
 */
export const REVERT_TUNING = {
  minBatchBytes: 256 * 1024,
  maxBatches: 8,
  maxClearsPerBatch: 4,
  bridgeGapBytes: 0,
};

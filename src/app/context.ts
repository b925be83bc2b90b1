// What every step of every procedure needs: validated settings, storage access, the lineage store, a log
// and the tuning knobs (segment and batch sizes, concurrency). Built once per process from the app settings.
import { ComputeAccess } from "../compute/access";
import { computeSubscriptionsOf, loadSettings, type Settings, storageEndpointsOf } from "../config/settings";
import { DiskLocks } from "../lineage/locks";
import { LineageStore } from "../lineage/store";
import { StorageAccess } from "../storage/clients";

/** Sizes and limits of the copy work; defaults suit the service, tests shrink them. */
export interface Tuning {
  /**
   * Offset segment per Get Page Ranges listing: by default the whole blob (one listing, paged by marker, as
   * the service allows); a segment the service times out on is halved, so fragmented disks split on demand.
   */
  segmentBytes: number;
  /** Copy batches per copy at most: bounds the activities one orchestration schedules. */
  maxBatches: number;
  /** Batches are not made smaller than this. */
  minBatchBytes: number;
  /** Clear ranges per clear batch at most. */
  maxClearsPerBatch: number;
  /**
   * Full-size (4 MiB) requests in flight per copy batch; smaller ones take less room (down to a quarter of
   * a slot at 1 MiB and below), so up to four times as many small ones go out at once (copy/pacer.ts).
   */
  copyConcurrency: number;
  /** Batches (or verification parts) running at once per copy: the orchestration's fan-out window. */
  batchWindow: number;
  /** Lease duration on a blob while this app writes it. */
  leaseSeconds: number;
  /** How long a disk lock lasts without renewal: longer than any step plus the waits between steps. */
  lockTtlMs: number;
  /**
   * How long one copy step may start requests: a batch that has more to do records its checkpoint and
   * is called again. Well under the function timeout, and under the 10 minutes of grace the platform
   * gives a running function when it recycles a worker.
   */
  stepBudgetMs: number;
  /**
   * What one blob absorbs (the service's target for a standard page blob): sizes batches and paces every
   * request that reads or writes the blob (raise it for premium blobs, whose targets are higher).
   */
  blobBytesPerSecond: number;
  /** Requests one blob serves per second (the service's target for a standard page blob): paces them. */
  blobRequestsPerSecond: number;
  /**
   * Start requests under the two targets above (true, the default). false: no rate pacing, only the
   * reaction to busy signals (where nothing enforces the targets, e.g. the local emulator without its
   * Azure-shaped profile).
   */
  paceBlobTargets: boolean;
  /**
   * Unchanged gaps of at most this many bytes between changed ranges (inside allocated ranges) are copied
   * with them, when that saves requests: one request costs the blob as much of its targets as this many
   * bytes (60 MiB/s ÷ 500 requests/s = 120 KiB). 0: never.
   */
  bridgeGapBytes: number;
  /**
   * Offset segment per managed-disk diff request (`x-ms-previous-snapshot-url` has no paging in the
   * SDK: a segment whose answer is cut short is halved and asked again).
   */
  managedSegmentBytes: number;
  /** How long a procedure waits before asking Resource Manager again when it gave no time (limits). */
  armWaitMs: number;
  /** Rolling verification compares the disk in chunks of this size (the unit of its rotation). */
  verifyChunkBytes: number;
}

export const DEFAULT_TUNING: Tuning = {
  segmentBytes: 8 * 1024 ** 4,
  maxBatches: 200,
  minBatchBytes: 32 * 1024 ** 2,
  maxClearsPerBatch: 2000,
  copyConcurrency: 8,
  batchWindow: 4,
  leaseSeconds: 60,
  lockTtlMs: 30 * 60_000,
  stepBudgetMs: 10 * 60_000,
  blobBytesPerSecond: 60 * 1024 ** 2,
  blobRequestsPerSecond: 500,
  paceBlobTargets: true,
  bridgeGapBytes: (60 * 1024 ** 2) / 500,
  managedSegmentBytes: 16 * 1024 ** 3,
  armWaitMs: 60_000,
  verifyChunkBytes: 4 * 1024 * 1024,
};

/** host.json's `functionTimeout` as the host reads it, with the app setting override the host honours. */
export const FUNCTION_TIMEOUT_SETTING = "AzureFunctionsJobHost__functionTimeout";

/** `hh:mm:ss` (optionally `d.hh:mm:ss`) in ms, as host.json and the override write a TimeSpan. */
export function timeSpanMs(text: string): number | undefined {
  const match = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(text.trim());
  if (!match) return undefined;
  const [, days, h, m, s] = match;
  return (((Number(days ?? 0) * 24 + Number(h)) * 60 + Number(m)) * 60 + Number(s)) * 1000;
}

/** A step's time budget: the default, or half the function timeout when that is shorter. */
export function stepBudgetFor(functionTimeout: string | undefined): number {
  const timeout = functionTimeout === undefined ? undefined : timeSpanMs(functionTimeout);
  return timeout === undefined
    ? DEFAULT_TUNING.stepBudgetMs
    : Math.min(DEFAULT_TUNING.stepBudgetMs, timeout / 2);
}

/** The app's dependencies, handed to every domain function (never read from globals below this point). */
export interface AppContext {
  settings: Settings;
  storage: StorageAccess;
  /** Resource Manager's compute API (managed disks and snapshots). */
  compute: ComputeAccess;
  lineage: LineageStore;
  /** One writer per disk: the lock rows beside the lineage. */
  locks: DiskLocks;
  tuning: Tuning;
  log: (line: string) => void;
}

export interface AppContextOptions {
  tuning?: Partial<Tuning>;
  log?: (line: string) => void;
  storage?: StorageAccess;
  compute?: ComputeAccess;
}

export function createAppContext(settings: Settings, options: AppContextOptions = {}): AppContext {
  const storage =
    options.storage ??
    new StorageAccess({
      endpoints: storageEndpointsOf(settings),
      accountKeys: settings.accountKeys,
      azureClientId: settings.azureClientId,
    });
  const compute =
    options.compute ??
    new ComputeAccess({
      endpoint: settings.armEndpoint,
      caCertPem: settings.armCaCertPem,
      subscriptions: computeSubscriptionsOf(settings),
      azureClientId: settings.azureClientId,
    });
  return {
    settings,
    storage,
    compute,
    lineage: new LineageStore(storage, settings.lineageTable),
    locks: new DiskLocks(storage, settings.lineageTable),
    tuning: { ...DEFAULT_TUNING, ...options.tuning },
    log: options.log ?? ((line) => console.log(line)),
  };
}

let processContext: { env: string; context: AppContext } | undefined;

/** The process-wide context from the app settings (rebuilt if the settings change, e.g. between tests). */
export function appContextFromEnv(env: Record<string, string | undefined> = process.env): AppContext {
  const settings = loadSettings(env);
  const timeout = env[FUNCTION_TIMEOUT_SETTING];
  const key = JSON.stringify([settings, timeout]);
  if (processContext?.env !== key) {
    const tuning = { stepBudgetMs: stepBudgetFor(timeout) };
    processContext = { env: key, context: createAppContext(settings, { tuning }) };
  }
  return processContext.context;
}

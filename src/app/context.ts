// What every step of every procedure needs: validated settings, storage access, the lineage store, a log
// and the tuning knobs (segment and batch sizes, concurrency). Built once per process from the app settings.
import { loadSettings, type Settings, storageEndpointsOf } from "../config/settings";
import { DiskLocks } from "../lineage/locks";
import { LineageStore } from "../lineage/store";
import { StorageAccess } from "../storage/clients";

/** Sizes and limits of the copy work; defaults suit the service, tests shrink them. */
export interface Tuning {
  /** Offset segment per Get Page Ranges listing (halved on server timeouts). */
  segmentBytes: number;
  /** Copy batches per copy at most: bounds the activities one orchestration schedules. */
  maxBatches: number;
  /** Batches are not made smaller than this. */
  minBatchBytes: number;
  /** Clear ranges per clear batch at most. */
  maxClearsPerBatch: number;
  /** Concurrent Put Page From URL requests per copy batch. */
  copyConcurrency: number;
  /** Batches (or verification parts) running at once per copy: the orchestration's fan-out window. */
  batchWindow: number;
  /** Lease duration on a blob while this app writes it. */
  leaseSeconds: number;
  /** How long a disk lock lasts without renewal: longer than any step plus the waits between steps. */
  lockTtlMs: number;
}

export const DEFAULT_TUNING: Tuning = {
  segmentBytes: 128 * 1024 ** 3,
  maxBatches: 200,
  minBatchBytes: 32 * 1024 ** 2,
  maxClearsPerBatch: 2000,
  copyConcurrency: 8,
  batchWindow: 4,
  leaseSeconds: 60,
  lockTtlMs: 30 * 60_000,
};

/** The app's dependencies, handed to every domain function (never read from globals below this point). */
export interface AppContext {
  settings: Settings;
  storage: StorageAccess;
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
}

export function createAppContext(settings: Settings, options: AppContextOptions = {}): AppContext {
  const storage =
    options.storage ??
    new StorageAccess({
      endpoints: storageEndpointsOf(settings),
      accountKeys: settings.accountKeys,
      azureClientId: settings.azureClientId,
    });
  return {
    settings,
    storage,
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
  const key = JSON.stringify(settings);
  if (processContext?.env !== key) processContext = { env: key, context: createAppContext(settings) };
  return processContext.context;
}

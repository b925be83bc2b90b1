// What every backup step needs: validated settings, storage access, the lineage store, a log and the
// tuning knobs (segment and batch sizes, concurrency). Built once per process from the app settings.
import { loadSettings, type Settings } from "../config/settings";
import { LineageStore } from "../lineage/store";
import { StorageAccess } from "../storage/clients";

export interface BackupTuning {
  /** Offset segment per Get Page Ranges listing (halved on server timeouts). */
  segmentBytes: number;
  /** Copy batches per disk run at most: bounds the activities one orchestration schedules. */
  maxBatches: number;
  /** Batches are not made smaller than this. */
  minBatchBytes: number;
  /** Clear ranges per clear batch at most. */
  maxClearsPerBatch: number;
  /** Concurrent Put Page From URL requests per copy batch. */
  copyConcurrency: number;
  /** Copy batches running at once per disk (the orchestration's fan-out window). */
  batchWindow: number;
  /** Lease duration on the backup blob while writing. */
  leaseSeconds: number;
}

export const DEFAULT_TUNING: BackupTuning = {
  segmentBytes: 128 * 1024 ** 3,
  maxBatches: 200,
  minBatchBytes: 32 * 1024 ** 2,
  maxClearsPerBatch: 2000,
  copyConcurrency: 8,
  batchWindow: 4,
  leaseSeconds: 60,
};

export interface BackupContext {
  settings: Settings;
  storage: StorageAccess;
  lineage: LineageStore;
  tuning: BackupTuning;
  log: (line: string) => void;
}

export function createBackupContext(
  settings: Settings,
  options: { tuning?: Partial<BackupTuning>; log?: (line: string) => void; storage?: StorageAccess } = {},
): BackupContext {
  const storage =
    options.storage ??
    new StorageAccess({ accountKeys: settings.accountKeys, azureClientId: settings.azureClientId });
  return {
    settings,
    storage,
    lineage: new LineageStore(storage, settings.lineageTable),
    tuning: { ...DEFAULT_TUNING, ...options.tuning },
    log: options.log ?? ((line) => console.log(line)),
  };
}

let processContext: { env: string; context: BackupContext } | undefined;

/** The process-wide context from the app settings (rebuilt if the settings change, e.g. between tests). */
export function backupContextFromEnv(env: Record<string, string | undefined> = process.env): BackupContext {
  const settings = loadSettings(env);
  const key = JSON.stringify(settings);
  if (processContext?.env !== key) processContext = { env: key, context: createBackupContext(settings) };
  return processContext.context;
}

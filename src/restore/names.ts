// Names of the restore orchestration and its activities: the only link between the orchestrator and the
// functions that run its steps (the orchestrator never imports activity code).

export const RESTORE_DISK = "restoreDisk";

export const RESTORE_RESOLVE = "restoreResolve";
export const RESTORE_SNAPSHOT = "restoreSnapshot";
export const RESTORE_PREPARE_COPY = "restorePrepareCopy";
export const RESTORE_COPY_BATCH = "restoreCopyBatch";
export const RESTORE_VERIFY = "restoreVerify";
export const RESTORE_RECORD_SAFETY = "restoreRecordSafety";
export const RESTORE_COMPLETE = "restoreComplete";
export const RESTORE_FAIL = "restoreFail";

// The failure codes procedures decide on (codes travel as data; their messages are only shown). Each is
// raised as a CodedError where the condition is found and read back with failureOf(error).code.

/** Another run holds the disk's lock: a backup is skipped, a restore refused (409). */
export const DISK_BUSY = "DiskBusy";
/** The run's disk lock expired and another run took the disk: the run stops writing. */
export const LOCK_LOST = "LockLost";
/** A restored disk differs from the restore point it was restored from. */
export const VERIFICATION_FAILED = "VerificationFailed";
/** The service allows no snapshot of this blob now (premium: one per 10 minutes): wait, then retry. */
export const SNAPSHOT_RATE_LIMITED = "SnapshotRateLimited";
/** The blob has as many snapshots as the service allows (premium: 100): someone must delete some. */
export const SNAPSHOT_COUNT_EXCEEDED = "SnapshotCountExceeded";
/** Failures a procedure waits out with a durable timer (never a failed run while waiting would do). */
export const WAITABLE_CODES: readonly string[] = [SNAPSHOT_RATE_LIMITED];

/** A step kept throwing until its retries ran out (the message says what it threw). */
export const STEP_FAILED = "StepFailed";
/** A failure inside an orchestrator itself (a bug, or a child orchestration that failed). */
export const ORCHESTRATION_FAILED = "OrchestrationFailed";

// The failure codes procedures decide on (codes travel as data; their messages are only shown). Each is
// raised as a CodedError where the condition is found and read back with failureOf(error).code.

/** Another run holds the disk's lock: a backup is skipped, a restore refused (409). */
export const DISK_BUSY = "DiskBusy";
/** The run's disk lock expired and another run took the disk: the run stops writing. */
export const LOCK_LOST = "LockLost";
/** A revert by diff found the backup chain cannot be diffed: the restore copies the point in full. */
export const REVERT_NOT_POSSIBLE = "RevertNotPossible";
/** A restored disk differs from the restore point it was restored from. */
export const VERIFICATION_FAILED = "VerificationFailed";
/** The service allows no snapshot of this blob now (premium: one per 10 minutes): wait, then retry. */
export const SNAPSHOT_RATE_LIMITED = "SnapshotRateLimited";
/** The blob has as many snapshots as the service allows (premium: 100): someone must delete some. */
export const SNAPSHOT_COUNT_EXCEEDED = "SnapshotCountExceeded";
/** Resource Manager throttles this identity (429): wait as long as it says, then retry. */
export const ARM_THROTTLED = "ResourceManagerThrottled";
/** A managed disk's new snapshot is not readable yet (completionPercent < 100, snapshotAccessState Pending). */
export const SNAPSHOT_PENDING = "SnapshotPending";
/** A snapshot family has as many snapshots with an active SAS as the service allows (5): wait for one to end. */
export const SNAPSHOT_ACCESS_LIMITED = "SnapshotAccessLimited";
/** Resource Manager refused an operation for the resource's state (409) without saying which limit. */
export const ARM_CONFLICT = "ResourceManagerConflict";
/** A source the app cannot back up as it is (4096-byte sectors, Entra-only data access): the reason says why. */
export const SOURCE_NOT_SUPPORTED = "SourceNotSupported";
/** The service is still copying a blob server side (Copy Blob pending): wait, then look again. */
export const COPY_PENDING = "CopyPending";
/** The service's server-side copy of a blob failed or was aborted (its description says why). */
export const COPY_FAILED = "CopyFailed";
/** Failures a procedure waits out with a durable timer (never a failed run while waiting would do). */
export const WAITABLE_CODES: readonly string[] = [
  SNAPSHOT_RATE_LIMITED,
  ARM_THROTTLED,
  SNAPSHOT_PENDING,
  SNAPSHOT_ACCESS_LIMITED,
  ARM_CONFLICT,
  COPY_PENDING,
];
/**
 * How many waits a waitable failure gets before it stands, where the default (MAX_WAITS in
 * src/orchestrations/steps.ts) does not fit: a large Premium SSD v2 snapshot copies for hours; another
 * party's SAS on a snapshot of the family lasts as long as they asked; a server-side copy of a large
 * blob may take hours too (240 waits of up to a minute); an unexplained conflict is given only a few tries.
 */
export const WAIT_LIMITS: Readonly<Record<string, number>> = {
  [SNAPSHOT_PENDING]: 60,
  [SNAPSHOT_ACCESS_LIMITED]: 12,
  [ARM_CONFLICT]: 3,
  [COPY_PENDING]: 240,
};

/** A step kept throwing until its retries ran out (the message says what it threw). */
export const STEP_FAILED = "StepFailed";
/** A failure inside an orchestrator itself (a bug, or a child orchestration that failed). */
export const ORCHESTRATION_FAILED = "OrchestrationFailed";

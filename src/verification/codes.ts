// Failure codes of verification (pure constants, so orchestrations may decide on them).

/** A restore point whose backup snapshot differs from its source snapshot. */
export const VERIFICATION_MISMATCH = "VerificationMismatch";

/**
 * A snapshot vanished while it was verified (a newer backup of the disk pruned the source snapshot; the
 * disk lock is released before verification): nothing to compare, not a mismatch.
 */
export const SNAPSHOT_GONE = "SnapshotGone";

// The small, JSON-only payloads of the retention procedure (retentionRun and its steps).
import type { Failure } from "../app/result";
import type { RetentionAction } from "./decide";

/** Input of a retention run: every disk (or some), after a backup or on demand. */
export interface RetentionRunInput {
  disks?: string[] | undefined;
  /** Decide and report, change nothing. */
  dryRun?: boolean | undefined;
  trigger: "http" | "backup";
}

/** The disks a run covers: known ones, and requested ids nobody knows. */
export interface RetentionDisks {
  disks: string[];
  unknown: string[];
}

/** What a pass over one disk will do: the ids per action (bounded) and the counts. */
export interface RetentionPlan {
  diskId: string;
  /** The policy in force, as text ("keep everything" when unset). */
  policy: string;
  kept: number;
  /** Points to delete (or whose deletion to finish), oldest first, at most MAX_ACTIONS_PER_PASS. */
  delete: string[];
  /** Failed rows to remove. */
  remove: string[];
  /** `deleting` rows to put back (held, or read by a restore). */
  unmark: string[];
  /** Actions left for the next pass (over the per-pass bound). */
  remaining: number;
}

/** One batch of actions on one disk (the apply step decides again before it acts). */
export interface RetentionApplyInput {
  diskId: string;
  action: Exclude<RetentionAction, "keep">;
  restorePointIds: string[];
}

export type PointResult = "deleted" | "removed" | "unmarked" | "kept";

export interface PointOutcome {
  restorePointId: string;
  result: PointResult;
  /** Why a point planned for deletion was kept (held meanwhile, read by a restore, not ours, ...). */
  reason?: string;
}

/** What retention did to one disk. */
export interface DiskRetentionOutcome {
  diskId: string;
  status: "completed" | "failed";
  dryRun: boolean;
  policy: string;
  /** Restore points deleted (dry run: that would be deleted). */
  deleted: string[];
  /** Failed rows removed (dry run: that would be removed). */
  removed: string[];
  unmarked: string[];
  /** Planned for deletion but kept when it came to it, with why. */
  spared: Array<{ restorePointId: string; reason: string }>;
  /** Completed points kept by the policy. */
  kept: number;
  remaining: number;
  error?: Failure;
}

export interface RetentionRunOutput {
  runId: string;
  trigger: RetentionRunInput["trigger"];
  dryRun: boolean;
  startedAt: string;
  completedAt: string;
  disks: DiskRetentionOutcome[];
}

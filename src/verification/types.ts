// The payloads of the verification procedure and the record it leaves on a restore point (`verification`,
// JSON): a comparison of the backup snapshot with the source snapshot it was copied from.
import type { Failure } from "../app/result";

/** `rolling`: VERIFY_PERCENT of the disk after a backup; `full`: the whole disk (POST /api/verifications). */
export type VerifyMode = "rolling" | "full";

/** Where the next rolling window starts: pass number (from 1) and byte offset (chunk-aligned). */
export interface RotationState {
  pass: number;
  cursor: number;
}

export interface VerifyInput {
  diskId: string;
  restorePointId: string;
  mode: VerifyMode;
}

/** A chunk whose bytes differ: the chunk's compared span and the first differing byte. */
export interface Mismatch {
  offset: number;
  length: number;
  firstDifference: number;
}

/** What a window compares, fixed by the plan step (the spans themselves are in the run store). */
export interface VerifyPlan extends VerifyInput {
  backupUrl: string;
  backupSnapshot: string;
  sourceUrl: string;
  sourceSnapshot: string;
  sizeBytes: number;
  percent: number;
  chunkBytes: number;
  pass: number;
  /** The window over the disk's address space: [from, to). */
  from: number;
  to: number;
  /** Allocated bytes of the disk (either snapshot) and of the window. */
  allocatedBytes: number;
  windowBytes: number;
  /** Bytes read from each side: the chunk spans (first to last allocated byte of each chunk). */
  compareBytes: number;
  chunks: number;
  /** Share of the allocated bytes covered in this pass once this window is compared. */
  coverage: number;
  passComplete: boolean;
  next: RotationState;
  /** Parts (run-store documents) to compare, and how many run at once. */
  parts: number;
  /**
   * A small window's one part, carried here instead of in the run store ([offset, length] per chunk span):
   * saves the part's upload, download and removal. Absent when the parts are in the run store.
   */
  spans?: Array<[number, number]>;
  window: number;
  /** A difference found without reading (the two snapshots differ in size). */
  layoutMismatch: string | null;
  /** A managed disk's point: its source snapshot (read through a SAS in the run store). */
  snapshotResourceId?: string;
  /** The point's lineage row, so the record merges into it without looking it up. */
  rowKey?: string;
}

/**
 * What the plan step returns: skipped, or the plan; a small window (one part, carried in the plan) comes
 * back compared and recorded by the same step (`recorded`), so the orchestration has nothing left to call.
 */
export type PlanOutcome = { plan: VerifyPlan; recorded?: VerificationRecord } | { skipped: string };

export interface ComparePartInput {
  plan: VerifyPlan;
  part: number;
}

export interface PartResult {
  /** Bytes read from each side and compared. */
  bytesCompared: number;
  chunks: number;
  mismatchCount: number;
  /** The first mismatches (bounded). */
  mismatches: Mismatch[];
}

export interface RecordInput {
  plan: VerifyPlan;
  parts: PartResult[];
}

/** The `verification` column of a backup restore point. */
export interface VerificationRecord {
  mode: VerifyMode;
  method: string;
  verifiedAt: string;
  percent: number;
  chunkBytes: number;
  pass: number;
  from: number;
  to: number;
  allocatedBytes: number;
  bytesCompared: number;
  chunks: number;
  coverage: number;
  passComplete: boolean;
  mismatches: number;
  mismatchRanges: Mismatch[];
  layoutMismatch: string | null;
  next: RotationState;
}

export interface VerificationOutcome {
  diskId: string;
  restorePointId: string;
  status: "verified" | "mismatch" | "skipped" | "failed";
  record?: VerificationRecord;
  reason?: string;
  /** A mismatch (code VerificationMismatch) or a failure of the verification itself. */
  error?: Failure;
}

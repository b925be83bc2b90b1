// Progress of a running procedure, as its orchestration publishes it in `customStatus` (the check-status
// API's live view). One shape for backup and restore; a run adds its own fields beside it.

export interface Progress {
  /** The step the procedure is in (e.g. `copy`, `verify`); each procedure lists its phases. */
  phase: string;
  bytesTotal: number;
  bytesDone: number;
  batchesTotal: number;
  batchesDone: number;
}

export function newProgress(phase: string): Progress {
  return { phase, bytesTotal: 0, bytesDone: 0, batchesTotal: 0, batchesDone: 0 };
}

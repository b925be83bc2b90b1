// What follows a completed disk backup, inside the disk's backup orchestration: 1. rolling verification
// of the new restore point while its source snapshot exists; 2. a retention pass over the disk. The disk
// lock is already released: a newer backup may start meanwhile (verification then finds its source
// snapshot pruned and skips; retention decides on fresh rows and never touches the newest point).
// Neither can turn the completed backup into a failure: their outcomes (and errors, e.g. a verification
// mismatch) are added to the disk's outcome in the run output.
import type { RestorePoint } from "../lineage/restorePoint";
import type { DiskRetentionOutcome } from "../retention/types";
import type { VerificationOutcome } from "../verification/types";
import { retainDisk } from "./retention";
import type { ProcedureRuntime, Steps } from "./steps";
import { verifyPoint } from "./verification";

export interface AfterBackup {
  verification: VerificationOutcome;
  retention: DiskRetentionOutcome;
}

export function* afterBackup(
  runtime: ProcedureRuntime,
  point: RestorePoint,
  phase: (name: "verify" | "retention") => void,
): Steps<AfterBackup> {
  phase("verify");
  const verification = yield* verifyPoint(runtime, {
    diskId: point.diskId,
    restorePointId: point.restorePointId,
    mode: "rolling",
  });
  phase("retention");
  const retention = yield* retainDisk(runtime, { diskId: point.diskId, dryRun: false });
  return { verification, retention };
}

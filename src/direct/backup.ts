// One disk backup run in this process through the backupDisk procedure and the backup step table (the
// same generator Azure runs as an orchestration). For integration tests, benchmarks and tools.
import { backupActivities } from "../activities/backup";
import { retentionActivities } from "../activities/retention";
import type { ActivityTable } from "../activities/table";
import { verificationActivities } from "../activities/verification";
import type { AppContext } from "../app/context";
import { noDurable } from "../app/instances";
import { CodedError, type Result } from "../app/result";
import type { BatchResult, BeginResult, DiskBackupInput, PlanResult } from "../backup/types";
import type { RestorePoint } from "../lineage/restorePoint";
import type { AfterBackup } from "../orchestrations/afterBackup";
import { backupDisk } from "../orchestrations/backupDisk";
import type { BackupSteps, RetentionSteps, VerificationSteps } from "../orchestrations/names";
import { inProcessReaders } from "./readers";
import { type InProcessOptions, runInProcess } from "./runtime";

export interface DirectRunResult {
  status: "completed" | "failed";
  /** The recorded restore point (completed or failed). A skipped disk throws a CodedError instead. */
  restorePoint: RestorePoint;
  begin?: BeginResult;
  plan?: PlanResult;
  batches: BatchResult[];
  /** What followed a completed backup: rolling verification and the retention pass. */
  after?: AfterBackup;
}

export type DirectBackupInput = Pick<DiskBackupInput, "diskId" | "sourceUrl" | "runId">;

export async function runDiskBackupDirect(
  ctx: AppContext,
  input: DirectBackupInput,
  options: Partial<InProcessOptions> = {},
): Promise<DirectRunResult> {
  const seen: Partial<Omit<DirectRunResult, "batches">> = {};
  const batches: BatchResult[] = [];
  const onStep = (name: string, stepInput: unknown, result: unknown) => {
    options.onStep?.(name, stepInput, result);
    const r = result as Result<unknown>;
    if (!r.ok) return;
    if (name === "beginDiskBackup") seen.begin = r.value as BeginResult;
    if (name === "planDiskBackup") seen.plan = r.value as PlanResult;
    if (name === "copyBackupBatch") batches.push(r.value as BatchResult);
    if (name === "completeDiskBackup" || name === "failDiskBackup")
      seen.restorePoint = r.value as RestorePoint;
  };
  // The backup is followed by verification and retention steps (src/orchestrations/afterBackup.ts).
  const table: ActivityTable<BackupSteps & VerificationSteps & RetentionSteps> = {
    ...backupActivities,
    ...verificationActivities,
    ...retentionActivities,
  };
  const outcome = await runInProcess(
    backupDisk,
    table,
    { app: ctx, durable: noDurable, readers: inProcessReaders },
    { ...input, trigger: "http" },
    { instanceId: input.runId, ...options, onStep },
  );
  // A skipped disk recorded nothing: the caller learns why, with the code the run reports.
  if (outcome.status === "skipped") throw new CodedError(outcome.code ?? "Skipped", outcome.reason);
  const restorePoint =
    seen.restorePoint ?? (outcome.status === "completed" ? outcome.restorePoint : undefined);
  if (!restorePoint) throw new Error(`backup of ${input.diskId} ended without a recorded restore point`);
  return {
    status: outcome.status === "completed" ? "completed" : "failed",
    restorePoint,
    begin: seen.begin,
    plan: seen.plan,
    batches,
    ...("verification" in outcome ? { after: outcome as unknown as AfterBackup } : {}),
  };
}

// Scenario 10's task: one disk backup through the app's steps in-process (the backupDisk procedure and
// its step table, as the orchestration runs them), for a page blob or a managed disk alike, timing each
// step from the step callbacks: begin (snapshot, and for a managed disk Resource Manager: disk, snapshot,
// readiness, two SAS grants), plan (listing), copy (batches), complete (restore point, revoke, prune).
import { createAppContext } from "../../src/app/context";
import { parseComputeId } from "../../src/compute/resourceIds";
import { loadSettings } from "../../src/config/settings";
import { runDiskBackupDirect } from "../../src/direct/backup";
import { diskOf, managedDiskOf } from "../../src/disks/identity";
import { requireBlobUrl } from "../../src/storage/urls";
import type { Endpoints, TaskResult } from "../protocol";
import { seconds, stringParam } from "./clients";

const PHASE_OF: Record<string, string> = {
  beginDiskBackup: "begin",
  planDiskBackup: "plan",
  copyBackupBatch: "copy",
  completeDiskBackup: "complete",
};

export async function appBackupTimed(
  _endpoints: Endpoints,
  params: Record<string, unknown>,
): Promise<TaskResult> {
  const settings = params.settings as Record<string, string>;
  const sourceUrl = stringParam(params, "sourceUrl");
  const ctx = createAppContext(loadSettings(settings), { log: () => {} });
  const managed = parseComputeId(sourceUrl);
  const disk = managed.ok
    ? managedDiskOf(managed.value, ctx.settings.target)
    : diskOf(requireBlobUrl(sourceUrl), ctx.settings.target);
  const phases: Record<string, number> = { begin: 0, plan: 0, copy: 0, complete: 0, other: 0 };
  const start = process.hrtime.bigint();
  let last = start;
  const result = await runDiskBackupDirect(
    ctx,
    { diskId: disk.id, sourceUrl: disk.sourceUrl, runId: `bench-${Date.now()}` },
    {
      onStep: (name) => {
        const now = process.hrtime.bigint();
        const phase = PHASE_OF[name] ?? "other";
        phases[phase] = (phases[phase] ?? 0) + Number(now - last) / 1e9;
        last = now;
      },
    },
  );
  const elapsed = seconds(start);
  if (result.status !== "completed") throw new Error(`backup failed: ${result.restorePoint.reason}`);
  return {
    seconds: elapsed,
    bytes: result.batches.reduce((sum, b) => sum + b.bytesCopied, 0),
    details: {
      kind: result.restorePoint.kind,
      changedBytes: result.restorePoint.changedBytes,
      clearedBytes: result.restorePoint.clearedBytes,
      batches: result.batches.length,
      listRequests: result.plan?.listRequests ?? 0,
      beginSeconds: phases.begin ?? 0,
      planSeconds: phases.plan ?? 0,
      copySeconds: phases.copy ?? 0,
      completeSeconds: phases.complete ?? 0,
      otherSeconds: phases.other ?? 0,
    },
  };
}

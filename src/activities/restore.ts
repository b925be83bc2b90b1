// The restore steps' bodies: one idempotent step each (tagged snapshots, upserts by key, same bytes at
// the same offsets), delegating to src/restore. Registered by src/functions/restoreOrchestration.ts and
// run in process by src/direct/restore.ts.
import type { RestoreSteps } from "../orchestrations/names";
import { completeRestore } from "../restore/complete";
import { completeDiskRestore } from "../restore/diskComplete";
import { failRestore } from "../restore/fail";
import {
  copyDiskBatch,
  createTargetDisk,
  isDiskRestore,
  prepareDiskCopy,
  verifyDiskPart,
  writeDiskFooter,
} from "../restore/managedTarget";
import { promoteRestorePoint } from "../restore/promote";
import { recordSafety } from "../restore/record";
import { resolveRestore } from "../restore/resolve";
import { snapshotBlob } from "../restore/snapshot";
import { copyBatch, prepareCopy } from "../restore/sparseCopy";
import type { CopyPhase } from "../restore/types";
import { verifyPart } from "../restore/verify";
import type { ActivityTable } from "./table";

/** The restore copy into a managed disk goes through its upload SAS (src/restore/managedTarget.ts). */
const isDiskCopy = (copy: CopyPhase) => copy.phase === "restore" && isDiskRestore(copy.run);

export const restoreActivities: ActivityTable<RestoreSteps> = {
  restoreResolve: ({ app }, { input, runId, startedAt, nonce }) =>
    resolveRestore(app, input, runId, { startedAt, nonce }),
  restoreSnapshot: ({ app }, input) => snapshotBlob(app, input),
  restorePrepareCopy: ({ app }, input) =>
    isDiskCopy(input) ? prepareDiskCopy(app, input) : prepareCopy(app, input),
  restoreCopyBatch: ({ app }, input) =>
    isDiskCopy(input.copy) ? copyDiskBatch(app, input) : copyBatch(app, input),
  restoreRecordSafety: ({ app }, input) => recordSafety(app, input),
  restorePromote: ({ app }, input) => promoteRestorePoint(app, input),
  restoreVerify: ({ app }, input) =>
    isDiskRestore(input.run) ? verifyDiskPart(app, input) : verifyPart(app, input),
  restoreComplete: ({ app }, input) =>
    isDiskRestore(input.run) ? completeDiskRestore(app, input) : completeRestore(app, input),
  restoreCreateDisk: ({ app }, input) => createTargetDisk(app, input),
  restoreWriteFooter: ({ app }, input) => writeDiskFooter(app, input),
  restoreFail: async ({ app }, input) => {
    await failRestore(app, input);
    return null;
  },
};

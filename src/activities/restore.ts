// The restore steps' bodies: one idempotent step each (tagged snapshots, upserts by key, same bytes at
// the same offsets), delegating to src/restore. Registered by src/functions/restoreOrchestration.ts and
// run in process by src/direct/restore.ts.
import type { RestoreSteps } from "../orchestrations/names";
import { completeRestore } from "../restore/complete";
import { failRestore } from "../restore/fail";
import { recordSafety } from "../restore/record";
import { resolveRestore } from "../restore/resolve";
import { snapshotBlob } from "../restore/snapshot";
import { copyBatch, prepareCopy } from "../restore/sparseCopy";
import { verifyPart } from "../restore/verify";
import type { ActivityTable } from "./table";

export const restoreActivities: ActivityTable<RestoreSteps> = {
  restoreResolve: ({ app }, { input, runId, startedAt, nonce }) =>
    resolveRestore(app, input, runId, { startedAt, nonce }),
  restoreSnapshot: ({ app }, input) => snapshotBlob(app, input),
  restorePrepareCopy: ({ app }, input) => prepareCopy(app, input),
  restoreCopyBatch: ({ app }, input) => copyBatch(app, input),
  restoreRecordSafety: ({ app }, input) => recordSafety(app, input),
  restoreVerify: ({ app }, input) => verifyPart(app, input),
  restoreComplete: ({ app }, input) => completeRestore(app, input),
  restoreFail: async ({ app }, input) => {
    await failRestore(app, input);
    return null;
  },
};

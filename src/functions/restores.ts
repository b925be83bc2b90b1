// Restores (DESIGN §7): POST /api/restores admits the request (every refusal happens before anything is
// started or written) and starts a restoreDisk orchestration; registers that orchestration and its steps.
import { randomBytes } from "node:crypto";
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { restoreComplete } from "../activities/restoreComplete";
import { restoreCopyBatch } from "../activities/restoreCopyBatch";
import { restoreFail } from "../activities/restoreFail";
import { restorePrepareCopy } from "../activities/restorePrepareCopy";
import { restoreRecordSafety } from "../activities/restoreRecordSafety";
import { restoreResolve } from "../activities/restoreResolve";
import { restoreSnapshot } from "../activities/restoreSnapshot";
import { restoreVerify } from "../activities/restoreVerify";
import { jsonError, parseJsonObject } from "../api/responses";
import { backupContextFromEnv } from "../backup/context";
import { restoreDiskOrchestrator } from "../orchestrations/restoreDisk";
import { admitRestore } from "../restore/admission";
import {
  RESTORE_COMPLETE,
  RESTORE_COPY_BATCH,
  RESTORE_DISK,
  RESTORE_FAIL,
  RESTORE_PREPARE_COPY,
  RESTORE_RECORD_SAFETY,
  RESTORE_RESOLVE,
  RESTORE_SNAPSHOT,
  RESTORE_VERIFY,
} from "../restore/names";
import type { SnapshotInput } from "../restore/snapshot";
import type {
  CompleteRestoreInput,
  CopyBatchInput,
  CopyPhase,
  FailRestoreInput,
  RestoreInput,
  SafetyRecordInput,
  VerifyPartInput,
} from "../restore/types";
import { messageOf } from "../storage/errors";
import { validateSettingsAtStartup } from "./startup";

validateSettingsAtStartup();

async function startRestore(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const body = parseJsonObject(await request.text());
    if (!body.ok) return body.response;
    const admission = await admitRestore(backupContextFromEnv(), body.body);
    if (!admission.ok)
      return jsonError(admission.error.status, admission.error.code, admission.error.message);
    const client = df.getClient(context);
    const instanceId = `restore-${randomBytes(8).toString("hex")}`;
    await client.startNew(RESTORE_DISK, { instanceId, input: admission.input });
    context.log(
      `started ${RESTORE_DISK} ${instanceId}: ${admission.input.diskId}/${admission.input.restorePointId} → ${admission.input.targetUrl}`,
    );
    return client.createCheckStatusResponse(request, instanceId);
  } catch (error) {
    context.error(`restore request failed: ${messageOf(error)}`);
    return jsonError(500, "InternalError", messageOf(error));
  }
}

app.http("startRestore", {
  route: "restores",
  methods: ["POST"],
  authLevel: "function",
  extraInputs: [df.input.durableClient()],
  handler: startRestore,
});

df.app.orchestration(RESTORE_DISK, restoreDiskOrchestrator);

df.app.activity(RESTORE_RESOLVE, {
  handler: (input: { input: RestoreInput; runId: string }) => restoreResolve(input),
});
df.app.activity(RESTORE_SNAPSHOT, { handler: (input: SnapshotInput) => restoreSnapshot(input) });
df.app.activity(RESTORE_PREPARE_COPY, { handler: (input: CopyPhase) => restorePrepareCopy(input) });
df.app.activity(RESTORE_COPY_BATCH, { handler: (input: CopyBatchInput) => restoreCopyBatch(input) });
df.app.activity(RESTORE_VERIFY, { handler: (input: VerifyPartInput) => restoreVerify(input) });
df.app.activity(RESTORE_RECORD_SAFETY, { handler: (input: SafetyRecordInput) => restoreRecordSafety(input) });
df.app.activity(RESTORE_COMPLETE, { handler: (input: CompleteRestoreInput) => restoreComplete(input) });
df.app.activity(RESTORE_FAIL, { handler: (input: FailRestoreInput) => restoreFail(input) });

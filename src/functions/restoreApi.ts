// HTTP API of restores: POST /api/restores admits the request (every refusal happens before anything is
// started or written) and starts a restoreDisk orchestration. Registration and translation only.
import { randomBytes } from "node:crypto";
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { jsonError, parseJsonObject } from "../api/responses";
import { appContextFromEnv } from "../app/context";
import { RESTORE_DISK } from "../orchestrations/names";
import { admitRestore } from "../restore/admission";
import { guarded } from "./guarded";
import { validateSettingsAtStartup } from "./startup";

validateSettingsAtStartup();

async function startRestore(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return guarded(context, async () => {
    const body = parseJsonObject(await request.text());
    if (!body.ok) return body.error;
    const admission = await admitRestore(appContextFromEnv(), body.value);
    if (!admission.ok)
      return jsonError(admission.error.status, admission.error.code, admission.error.message);
    const client = df.getClient(context);
    const instanceId = `restore-${randomBytes(8).toString("hex")}`;
    const { input } = admission.value;
    await client.startNew(RESTORE_DISK, { instanceId, input });
    context.log(
      `started ${RESTORE_DISK} ${instanceId}: ${input.diskId}/${input.restorePointId} → ${input.targetUrl}`,
    );
    return client.createCheckStatusResponse(request, instanceId);
  });
}

app.http("startRestore", {
  route: "restores",
  methods: ["POST"],
  authLevel: "function",
  extraInputs: [df.input.durableClient()],
  handler: startRestore,
});

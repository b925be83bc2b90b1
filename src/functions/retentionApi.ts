// HTTP API of the restore point lifecycle (README "Retention, holds and verification"): the retention dry
// run, POST /api/retention (a retentionRun), holds, and POST /api/verifications (a verifyRestorePoint).
// Registration and translation only.
import { randomBytes } from "node:crypto";
import { app, type HttpRequest, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { holdView, parseRetentionRequest, parseVerificationRequest, retentionView } from "../api/retention";
import { appContextFromEnv } from "../app/context";
import { RETENTION_RUN, VERIFY_RESTORE_POINT } from "../orchestrations/names";
import type { RetentionRunInput } from "../retention/types";
import { guarded } from "./guarded";
import { restoreReadersOf } from "./restoreReaders";
import { validateSettingsAtStartup } from "./startup";

validateSettingsAtStartup();

app.http("retentionDryRun", {
  route: "disks/{diskId}/retention",
  methods: ["GET"],
  authLevel: "function",
  extraInputs: [df.input.durableClient()],
  handler: (request: HttpRequest, context: InvocationContext) =>
    guarded(context, () =>
      retentionView(
        appContextFromEnv(),
        restoreReadersOf(() => df.getClient(context)),
        request.params.diskId ?? "",
      ),
    ),
});

app.http("startRetention", {
  route: "retention",
  methods: ["POST"],
  authLevel: "function",
  extraInputs: [df.input.durableClient()],
  handler: (request: HttpRequest, context: InvocationContext) =>
    guarded(context, async () => {
      const parsed = await parseRetentionRequest(appContextFromEnv(), await request.text());
      if (!parsed.ok) return parsed.error;
      const input: RetentionRunInput = { trigger: "http", ...parsed.value };
      const client = df.getClient(context);
      const instanceId = await client.startNew(RETENTION_RUN, { input });
      context.log(`started ${RETENTION_RUN} ${instanceId}${input.dryRun ? " (dry run)" : ""}`);
      return client.createCheckStatusResponse(request, instanceId);
    }),
});

app.http("holdRestorePoint", {
  route: "disks/{diskId}/restore-points/{restorePointId}/hold",
  methods: ["PUT", "DELETE"],
  authLevel: "function",
  handler: (request: HttpRequest, context: InvocationContext) =>
    guarded(context, () =>
      holdView(
        appContextFromEnv(),
        request.params.diskId ?? "",
        request.params.restorePointId ?? "",
        request.method.toUpperCase() === "PUT",
      ),
    ),
});

app.http("startVerification", {
  route: "verifications",
  methods: ["POST"],
  authLevel: "function",
  extraInputs: [df.input.durableClient()],
  handler: (request: HttpRequest, context: InvocationContext) =>
    guarded(context, async () => {
      const parsed = await parseVerificationRequest(appContextFromEnv(), await request.text());
      if (!parsed.ok) return parsed.error;
      const client = df.getClient(context);
      const instanceId = `verify-${randomBytes(8).toString("hex")}`;
      await client.startNew(VERIFY_RESTORE_POINT, { instanceId, input: parsed.value });
      context.log(
        `started ${VERIFY_RESTORE_POINT} ${instanceId}: ${parsed.value.diskId}/${parsed.value.restorePointId}`,
      );
      return client.createCheckStatusResponse(request, instanceId);
    }),
});

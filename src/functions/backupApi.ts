// HTTP API of backups (README "HTTP API"): POST /api/backups starts a backupRun; GET /api/disks and
// GET /api/disks/{diskId}/restore-points read the disks and the lineage. Registration and translation only.
import { app, type HttpRequest, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { disksView, parseBackupRequest, restorePointsView } from "../api/backups";
import { appContextFromEnv } from "../app/context";
import type { BackupRunInput } from "../backup/types";
import { BACKUP_RUN } from "../orchestrations/names";
import { guarded } from "./guarded";
import { validateSettingsAtStartup } from "./startup";

validateSettingsAtStartup();

app.http("startBackup", {
  route: "backups",
  methods: ["POST"],
  authLevel: "function",
  extraInputs: [df.input.durableClient()],
  handler: (request: HttpRequest, context: InvocationContext) =>
    guarded(context, async () => {
      const parsed = await parseBackupRequest(appContextFromEnv(), await request.text());
      if (!parsed.ok) return parsed.error;
      const input: BackupRunInput = { trigger: "http", ...(parsed.value ? { disks: parsed.value } : {}) };
      const client = df.getClient(context);
      const instanceId = await client.startNew(BACKUP_RUN, { input });
      context.log(`started ${BACKUP_RUN} ${instanceId}`);
      return client.createCheckStatusResponse(request, instanceId);
    }),
});

app.http("listDisks", {
  route: "disks",
  methods: ["GET"],
  authLevel: "function",
  handler: (_request: HttpRequest, context: InvocationContext) =>
    guarded(context, () => disksView(appContextFromEnv())),
});

app.http("listRestorePoints", {
  route: "disks/{diskId}/restore-points",
  methods: ["GET"],
  authLevel: "function",
  handler: (request: HttpRequest, context: InvocationContext) =>
    guarded(context, () => restorePointsView(appContextFromEnv(), request.params.diskId ?? "")),
});

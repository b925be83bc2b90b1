// The backup timer (%BACKUP_SCHEDULE%): starts a scheduled backupRun under a fixed instance id, and skips
// (saying so) when the previous scheduled run is still running.
import { app, type InvocationContext, type Timer } from "@azure/functions";
import * as df from "durable-functions";
import { isBusy } from "../app/instances";
import type { BackupRunInput } from "../backup/types";
import { BACKUP_RUN, SCHEDULED_RUN_INSTANCE_ID } from "../orchestrations/names";
import { validateSettingsAtStartup } from "./startup";

validateSettingsAtStartup();

app.timer("backupSchedule", {
  schedule: "%BACKUP_SCHEDULE%",
  runOnStartup: false,
  extraInputs: [df.input.durableClient()],
  handler: async (_timer: Timer, context: InvocationContext) => {
    const client = df.getClient(context);
    let previous: df.DurableOrchestrationStatus | undefined;
    try {
      previous = await client.getStatus(SCHEDULED_RUN_INSTANCE_ID);
    } catch {
      previous = undefined; // never ran: v3 getStatus throws on 404
    }
    if (isBusy(previous)) {
      context.log(
        `scheduled backup skipped: the previous scheduled run ${SCHEDULED_RUN_INSTANCE_ID} is still ${previous?.runtimeStatus}`,
      );
      return;
    }
    const input: BackupRunInput = { trigger: "timer" };
    try {
      await client.startNew(BACKUP_RUN, { instanceId: SCHEDULED_RUN_INSTANCE_ID, input });
      context.log(`scheduled backup started: ${SCHEDULED_RUN_INSTANCE_ID}`);
    } catch (error) {
      // Lost a race with another tick: the run exists and is running, which is what we wanted.
      context.log(`scheduled backup skipped: ${error instanceof Error ? error.message : String(error)}`);
    }
  },
});

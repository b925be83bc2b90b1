// The backup timer (%BACKUP_SCHEDULE%): starts a scheduled backupRun under a fixed instance id, and skips
// (saying so) while the previous scheduled run is still running. A run waits at most its wait limit, so
// a previous run busy for twice that long is stuck: it is terminated and a new run starts (never skip
// forever; the disks' own locks keep two runs from writing one disk).
import { app, type InvocationContext, type Timer } from "@azure/functions";
import * as df from "durable-functions";
import { appContextFromEnv } from "../app/context";
import { isBusy } from "../app/instances";
import type { BackupRunInput } from "../backup/types";
import { runWaitLimitMs } from "../config/schedule";
import { BACKUP_RUN, SCHEDULED_RUN_INSTANCE_ID } from "../orchestrations/names";
import { validateSettingsAtStartup } from "./startup";

validateSettingsAtStartup();

async function statusOf(client: df.DurableClient): Promise<df.DurableOrchestrationStatus | undefined> {
  try {
    return await client.getStatus(SCHEDULED_RUN_INSTANCE_ID);
  } catch {
    return undefined; // never ran: v3 getStatus throws on 404
  }
}

/** Terminates a stuck run and waits (briefly, bounded) until the engine has ended it. */
async function endStuckRun(client: df.DurableClient, reason: string): Promise<boolean> {
  await client.terminate(SCHEDULED_RUN_INSTANCE_ID, reason);
  for (let i = 0; i < 40; i++) {
    if (!isBusy(await statusOf(client))) return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

app.timer("backupSchedule", {
  schedule: "%BACKUP_SCHEDULE%",
  runOnStartup: false,
  extraInputs: [df.input.durableClient()],
  handler: async (_timer: Timer, context: InvocationContext) => {
    const client = df.getClient(context);
    const previous = await statusOf(client);
    if (isBusy(previous) && previous) {
      const age = Date.now() - new Date(previous.createdTime).getTime();
      const stuckAfter = 2 * runWaitLimitMs(appContextFromEnv().settings.schedule);
      if (age < stuckAfter) {
        context.log(
          `scheduled backup skipped: the previous scheduled run ${SCHEDULED_RUN_INSTANCE_ID} is still ${previous.runtimeStatus} (started ${new Date(previous.createdTime).toISOString()})`,
        );
        return;
      }
      const reason = `stuck: ${previous.runtimeStatus} for ${Math.round(age / 60_000)} min, twice its wait limit`;
      context.warn(`scheduled backup: terminating ${SCHEDULED_RUN_INSTANCE_ID} (${reason})`);
      if (!(await endStuckRun(client, reason))) {
        context.warn(`scheduled backup skipped: ${SCHEDULED_RUN_INSTANCE_ID} did not end after terminate`);
        return;
      }
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

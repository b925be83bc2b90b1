// Registers the backup orchestrations (a run, and one disk's backup) and the backup steps.
import * as df from "durable-functions";
import { backupActivities } from "../activities/backup";
import { backupDisk } from "../orchestrations/backupDisk";
import { backupRunOrchestrator } from "../orchestrations/backupRun";
import { orchestrationOf } from "../orchestrations/durableRuntime";
import { BACKUP_DISK, BACKUP_RUN } from "../orchestrations/names";
import { registerActivities } from "./activities";
import { validateSettingsAtStartup } from "./startup";

validateSettingsAtStartup();

df.app.orchestration(BACKUP_RUN, backupRunOrchestrator);
df.app.orchestration(BACKUP_DISK, orchestrationOf(backupDisk));
registerActivities(backupActivities, "backup");

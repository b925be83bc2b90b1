// Registers the restore orchestration and the restore steps.
import * as df from "durable-functions";
import { restoreActivities } from "../activities/restore";
import { orchestrationOf } from "../orchestrations/durableRuntime";
import { RESTORE_DISK } from "../orchestrations/names";
import { restoreDisk } from "../orchestrations/restoreDisk";
import { registerActivities } from "./activities";
import { validateSettingsAtStartup } from "./startup";

validateSettingsAtStartup();

df.app.orchestration(RESTORE_DISK, orchestrationOf(restoreDisk));
registerActivities(restoreActivities, "restore");

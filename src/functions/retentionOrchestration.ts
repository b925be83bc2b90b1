// Registers the retention orchestration and the retention steps (which also run after each disk backup).
import * as df from "durable-functions";
import { retentionActivities } from "../activities/retention";
import { orchestrationOf } from "../orchestrations/durableRuntime";
import { RETENTION_RUN } from "../orchestrations/names";
import { retentionRun } from "../orchestrations/retention";
import { registerActivities } from "./activities";
import { validateSettingsAtStartup } from "./startup";

validateSettingsAtStartup();

df.app.orchestration(RETENTION_RUN, orchestrationOf(retentionRun));
registerActivities(retentionActivities, "retention");

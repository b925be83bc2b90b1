// Registers the verification orchestration and the verification steps (which also run after each disk
// backup).
import * as df from "durable-functions";
import { verificationActivities } from "../activities/verification";
import { orchestrationOf } from "../orchestrations/durableRuntime";
import { VERIFY_RESTORE_POINT } from "../orchestrations/names";
import { verifyRestorePoint } from "../orchestrations/verification";
import { registerActivities } from "./activities";
import { validateSettingsAtStartup } from "./startup";

validateSettingsAtStartup();

df.app.orchestration(VERIFY_RESTORE_POINT, orchestrationOf(verifyRestorePoint));
registerActivities(verificationActivities, "verification");

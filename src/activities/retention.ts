// The retention steps' bodies, delegating to src/retention. Registered by
// src/functions/retentionOrchestration.ts and run in process by src/direct/retention.ts (and after each
// disk backup by src/direct/backup.ts).
import { selectDisks } from "../backup/resolve";
import type { RetentionSteps } from "../orchestrations/names";
import { applyRetention } from "../retention/delete";
import { planRetention } from "../retention/plan";
import type { ActivityTable } from "./table";

export const retentionActivities: ActivityTable<RetentionSteps> = {
  retentionDisks: async ({ app }, input) => {
    const { disks, unknown } = await selectDisks(app, input?.disks);
    return { disks: disks.map((d) => d.id), unknown };
  },
  retentionPlan: ({ app, readers }, input) => planRetention(app, readers, input.diskId),
  retentionApply: ({ app, readers }, input) => applyRetention(app, readers, input),
};

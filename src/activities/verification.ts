// The verification steps' bodies, delegating to src/verification. Registered by
// src/functions/verificationOrchestration.ts and run in process by src/direct/verification.ts (and after
// each disk backup by src/direct/backup.ts).
import type { VerificationSteps } from "../orchestrations/names";
import { comparePart } from "../verification/compare";
import { recordVerification } from "../verification/record";
import { planVerificationStep } from "../verification/step";
import type { ActivityTable } from "./table";

export const verificationActivities: ActivityTable<VerificationSteps> = {
  verifyPlan: ({ app }, input) => planVerificationStep(app, input),
  verifyCompare: ({ app }, input) => comparePart(app, input),
  verifyRecord: ({ app }, input) => recordVerification(app, input),
};

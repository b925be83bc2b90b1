// One verification in this process through the verifyRestorePoint procedure and the verification step
// table (the same generator Azure runs as an orchestration). For integration tests, benchmarks and tools.
import { verificationActivities } from "../activities/verification";
import type { AppContext } from "../app/context";
import { noDurable } from "../app/instances";
import { verifyRestorePoint } from "../orchestrations/verification";
import type { VerificationOutcome, VerifyInput } from "../verification/types";
import { type InProcessOptions, runInProcess } from "./runtime";

export function runVerificationDirect(
  ctx: AppContext,
  input: VerifyInput,
  options: Partial<InProcessOptions> = {},
): Promise<VerificationOutcome> {
  return runInProcess(verifyRestorePoint, verificationActivities, { app: ctx, durable: noDurable }, input, {
    instanceId: `verify-direct-${Date.now().toString(36)}`,
    ...options,
  });
}

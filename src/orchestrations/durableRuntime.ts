// The durable side of a ProcedureRuntime: a procedure's generator run as a Durable Functions
// orchestration, every step scheduled as an activity with the standard retry policy.

import type { OrchestrationContext, OrchestrationHandler } from "durable-functions";
import * as df from "durable-functions";
import { STEP_RETRY } from "./failures";
import type { ProcedureRuntime, Steps } from "./steps";

/** A fresh RetryOptions per call: durable-functions keeps per-task retry state on the object. */
function stepRetry(): df.RetryOptions {
  const options = new df.RetryOptions(
    STEP_RETRY.firstRetryIntervalInMilliseconds,
    STEP_RETRY.maxNumberOfAttempts,
  );
  options.backoffCoefficient = STEP_RETRY.backoffCoefficient;
  return options;
}

export function durableRuntime(context: OrchestrationContext): ProcedureRuntime {
  return {
    instanceId: context.df.instanceId,
    now: () => context.df.currentUtcDateTime,
    newGuid: () => context.df.newGuid(context.df.instanceId),
    setStatus: (status) => context.df.setCustomStatus(status),
    log: (message) => context.log(message),
    schedule: (name, input) => context.df.callActivityWithRetry(name, stepRetry(), input),
    all: (tasks) => context.df.Task.all(tasks),
    wait: (ms) => context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + ms)),
  };
}

/** Registers a procedure as an orchestration handler: its input is the orchestration's input. */
export function orchestrationOf<In, Out>(
  procedure: (runtime: ProcedureRuntime, input: In) => Steps<Out>,
): OrchestrationHandler {
  return function* (context: OrchestrationContext) {
    return yield* procedure(durableRuntime(context), context.df.getInput<In>());
  };
}

// One registration loop for every procedure's step table: each step becomes an activity that runs its
// body through runStep (failures as data) with the app context and a durable-instance lookup, and logs
// one structured step event per run.
import type { InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { type ActivityTable, runStep } from "../activities/table";
import { appContextFromEnv } from "../app/context";
import { type DurableAccess, isBusy } from "../app/instances";
import { formatStepEvent, stepEventOf } from "../app/stepEvents";
import type { StepTable } from "../orchestrations/steps";
import { restoreReadersOf } from "./restoreReaders";

/**
 * Other instances through the durable client bound to this invocation (v3 getStatus throws on 404).
 * Without a client binding (a host that binds none to activities) nothing is known and nothing is raised.
 */
function durableFor(context: InvocationContext): DurableAccess {
  let client: df.DurableClient | undefined;
  const get = () => {
    client ??= df.getClient(context);
    return client;
  };
  return {
    status: async (instanceId) => {
      try {
        const status = await get().getStatus(instanceId);
        return {
          runtimeStatus: status.runtimeStatus,
          customStatus: status.customStatus,
          createdTime: new Date(status.createdTime).toISOString(),
        };
      } catch {
        return undefined;
      }
    },
    raiseEvent: async (instanceId, name, data) => {
      const status = await get()
        .getStatus(instanceId)
        .catch(() => undefined);
      if (!isBusy(status)) return; // gone or finished: nobody waits for the event
      await get().raiseEvent(instanceId, name, data);
    },
  };
}

/** The procedure a step belongs to when the registration does not say (from the step's name). */
function procedureOf(step: string): string {
  for (const name of ["retention", "verif", "restore", "backup"]) {
    if (step.toLowerCase().includes(name)) return name === "verif" ? "verification" : name;
  }
  return "app";
}

/**
 * Registers every step of a procedure's table as an activity. Each run logs one structured event
 * (src/app/stepEvents.ts) through the invocation's logger, which Application Insights keeps as a trace.
 */
export function registerActivities<S extends StepTable<S>>(
  table: ActivityTable<S>,
  procedure?: string,
): void {
  for (const name of Object.keys(table) as Array<keyof S & string>) {
    const body = table[name];
    df.app.activity(name, {
      extraInputs: [df.input.durableClient()],
      handler: (input: S[typeof name]["input"], context: InvocationContext) =>
        runStep(
          () =>
            body(
              {
                app: appContextFromEnv(),
                durable: durableFor(context),
                readers: restoreReadersOf(() => df.getClient(context)),
              },
              input,
            ),
          (result, durationMs) =>
            context.info(
              formatStepEvent(
                stepEventOf({
                  procedure: procedure ?? procedureOf(name),
                  step: name,
                  input,
                  durationMs,
                  result,
                }),
              ),
            ),
        ),
    });
  }
}

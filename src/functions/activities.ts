// One registration loop for every procedure's step table: each step becomes an activity that runs its
// body through runStep (failures as data) with the app context and a durable-instance lookup.
import type { InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { type ActivityTable, runStep } from "../activities/table";
import { appContextFromEnv } from "../app/context";
import type { InstanceLookup } from "../app/instances";
import type { StepTable } from "../orchestrations/steps";
import { restoreReadersOf } from "./restoreReaders";

/**
 * Instance status through the durable client bound to this invocation (v3 getStatus throws on 404).
 * Without a client binding (a host that binds none to activities) nothing is known: progress stays 0.
 */
function lookupFor(context: InvocationContext): InstanceLookup {
  let client: df.DurableClient | undefined;
  return async (instanceId) => {
    try {
      client ??= df.getClient(context);
      const status = await client.getStatus(instanceId);
      return { runtimeStatus: status.runtimeStatus, customStatus: status.customStatus };
    } catch {
      return undefined;
    }
  };
}

export function registerActivities<S extends StepTable<S>>(table: ActivityTable<S>): void {
  for (const name of Object.keys(table) as Array<keyof S & string>) {
    const body = table[name];
    df.app.activity(name, {
      extraInputs: [df.input.durableClient()],
      handler: (input: S[typeof name]["input"], context: InvocationContext) =>
        runStep(() =>
          body(
            {
              app: appContextFromEnv(),
              instances: lookupFor(context),
              readers: restoreReadersOf(() => df.getClient(context)),
            },
            input,
          ),
        ),
    });
  }
}

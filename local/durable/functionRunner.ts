// Invokes orchestrator and activity functions through the host's invoker with the payloads the Durable
// extension sends (DurableOrchestrationBindingInfo, activity input) and reads back what the SDK returns.
import type { CoreRegistry, RegisteredFunction, RpcBinding } from "../host/coreShim";
import { extraInputsFor } from "../host/extraInputs";
import type { Invoker } from "../host/invoker";
import { type OrchestratorState, parseOutOfProcError } from "./actions";
import type { SdkResult } from "./extensionShim";
import type { HistoryEvent } from "./history";

export type ActivityOutcome =
  | { ok: true; result: string | null }
  | { ok: false; reason: string; details: string };

export const TIMER_SETTINGS = {
  /** Azure Storage provider limits, as the extension advertises them (TimeSpan text). */
  maximumShortTimerDuration: "6.00:00:00",
  longRunningTimerIntervalDuration: "3.00:00:00",
  maximumShortTimerMs: 6 * 24 * 3600_000,
  longRunningTimerIntervalMs: 3 * 24 * 3600_000,
};

export class FunctionRunner {
  readonly #registry: CoreRegistry;
  readonly #invoker: Invoker;
  readonly #extraInput: (binding: RpcBinding) => unknown;

  /** extraInput supplies non-trigger inputs (an activity may bind a durable client too). */
  constructor(registry: CoreRegistry, invoker: Invoker, extraInput: (binding: RpcBinding) => unknown) {
    this.#registry = registry;
    this.#invoker = invoker;
    this.#extraInput = extraInput;
  }

  find(name: string, kind: "activity" | "orchestration"): RegisteredFunction | undefined {
    const fn = this.#registry.functions.get(name.toLowerCase());
    const wanted = kind === "activity" ? "activitytrigger" : "orchestrationtrigger";
    return fn && triggerOf(fn, wanted) ? fn : undefined;
  }

  async runOrchestrator(
    fn: RegisteredFunction,
    instanceId: string,
    history: HistoryEvent[],
    input: unknown,
    parentInstanceId: string | undefined,
  ): Promise<SdkResult> {
    const payload = {
      history,
      input,
      instanceId,
      isReplaying: history.some((e) => e.IsPlayed),
      parentInstanceId,
      upperSchemaVersion: 1,
      upperSchemaVersionNew: 2,
      longRunningTimerIntervalDuration: TIMER_SETTINGS.longRunningTimerIntervalDuration,
      maximumShortTimerDuration: TIMER_SETTINGS.maximumShortTimerDuration,
      defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
    };
    const trigger = triggerOf(fn, "orchestrationtrigger") ?? "";
    try {
      const response = await this.#invoker.invoke(
        fn,
        { inputData: [{ name: trigger, data: { string: JSON.stringify(payload) } }] },
        { instanceId },
      );
      return { state: readState(response.returnValue), error: undefined };
    } catch (error) {
      const parsed = parseOutOfProcError(error instanceof Error ? error.message : String(error));
      // The extension takes the error from the state the SDK attached (its message prefix is not reliable).
      return { state: parsed.state, error: parsed.state?.error ?? parsed.error };
    }
  }

  async runActivity(fn: RegisteredFunction, input: unknown, instanceId: string): Promise<ActivityOutcome> {
    const trigger = triggerOf(fn, "activitytrigger") ?? "";
    const data = input === undefined || input === null ? undefined : { string: activityText(input) };
    try {
      const inputData = [{ name: trigger, data }, ...extraInputsFor(fn, this.#extraInput)];
      const response = await this.#invoker.invoke(fn, { inputData }, { instanceId });
      return { ok: true, result: resultText(response.returnValue) };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const details = error instanceof Error ? (error.stack ?? message) : message;
      return { ok: false, reason: `Activity function '${fn.metadata.name}' failed: ${message}`, details };
    }
  }
}

function triggerOf(fn: RegisteredFunction, type: string): string | undefined {
  const entry = Object.entries(fn.metadata.bindings).find(([, b]) => b.type.toLowerCase() === type);
  return entry?.[0];
}

/** Strings arrive pre-encoded by the SDK; anything else is sent as its JSON text. */
function activityText(input: unknown): string {
  return typeof input === "string" ? input : JSON.stringify(input);
}

function readState(returnValue: unknown): OrchestratorState | undefined {
  const data = returnValue as { json?: string; string?: string } | undefined;
  const text = data?.json ?? data?.string;
  return text ? (JSON.parse(text) as OrchestratorState) : undefined;
}

/** The activity's return value as JSON text, as TaskCompleted.Result carries it. */
function resultText(returnValue: unknown): string | null {
  const data = returnValue as
    | { string?: string; json?: string; int?: number; double?: number; bytes?: Uint8Array }
    | undefined
    | null;
  if (!data) return null;
  if (data.json !== undefined) return data.json;
  if (data.string !== undefined) return JSON.stringify(data.string);
  if (data.int !== undefined) return String(data.int);
  if (data.double !== undefined) return String(data.double);
  if (data.bytes !== undefined) return JSON.stringify(Buffer.from(data.bytes).toString("base64"));
  return null;
}

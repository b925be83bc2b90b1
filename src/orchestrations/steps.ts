// The one way an orchestrator runs a procedure's steps, for backup and restore alike: call a step with
// the retry policy and get its value back (or a StepFailure thrown, carrying the step's failure code),
// and run many calls of a step in bounded windows. Works on any ProcedureRuntime: the durable context
// in Azure (durableRuntime.ts), or the in-process stand-in that tests and benchmarks use.
import type { Task } from "durable-functions";
import { WAIT_LIMITS, WAITABLE_CODES } from "../app/codes";
import type { Result } from "../app/result";
import { reasonOf, STEP_FAILED, StepFailure } from "./failures";
import type { Step } from "./names";

/** What a procedure needs from the engine that runs it. Everything here is replay-safe. */
export interface ProcedureRuntime {
  readonly instanceId: string;
  /** The orchestration's current time (deterministic under replay). */
  now(): Date;
  /** A deterministic unique id. */
  newGuid(): string;
  /** Publishes progress (the check-status API's `customStatus`). */
  setStatus(status: unknown): void;
  log(message: string): void;
  /** Schedules one step (an activity) with the retry policy; its task yields the step's Result. */
  schedule(name: string, input: unknown): Task;
  /** A task that completes when every task has completed, with their results in order. */
  all(tasks: Task[]): Task;
  /** A durable timer: a task that completes after `ms`. */
  wait(ms: number): Task;
}

/** How many times one step waits out a service limit before its failure stands. */
export const MAX_WAITS = 8;

/** A procedure's steps by activity name (see names.ts). */
export type StepTable<S> = { [K in keyof S]: Step<unknown, unknown> };
export type InputOf<S extends StepTable<S>, K extends keyof S> = S[K]["input"];
export type OutputOf<S extends StepTable<S>, K extends keyof S> = S[K]["output"];

/** A generator an orchestrator can `yield*`: it yields durable tasks and returns `T`. */
export type Steps<T> = Generator<Task, T, unknown>;

function unwrap<T>(step: string, result: unknown): T {
  const r = result as Result<T>;
  if (typeof r !== "object" || r === null || typeof r.ok !== "boolean") {
    throw new StepFailure(step, { code: STEP_FAILED, message: `${step} returned no result` });
  }
  if (!r.ok) throw new StepFailure(step, r.error);
  return r.value;
}

/** Yields a task; a task that failed through its retries becomes a StepFailure with code StepFailed. */
function* settle(step: string, task: Task): Steps<unknown> {
  try {
    return yield task;
  } catch (error) {
    throw new StepFailure(step, { code: STEP_FAILED, message: reasonOf(error) });
  }
}

/** The typed step helper of one procedure. */
export interface StepRunner<S extends StepTable<S>> {
  /** Runs one step and returns its value. */
  call<K extends keyof S & string>(name: K, input: InputOf<S, K>): Steps<OutputOf<S, K>>;
  /** Runs calls of one step side by side (one group), then returns their values in order. */
  group<K extends keyof S & string>(name: K, inputs: Array<InputOf<S, K>>): Steps<Array<OutputOf<S, K>>>;
  /**
   * Runs the groups one after another (at most one group in flight: bounded load), calling `done` with
   * each value as its group ends; returns every value in order.
   */
  windows<K extends keyof S & string>(
    name: K,
    groups: Array<Array<InputOf<S, K>>>,
    done?: (value: OutputOf<S, K>) => void,
  ): Steps<Array<OutputOf<S, K>>>;
  /**
   * Like `windows`, for steps that may stop before their work is done (a copy batch at its time
   * budget, `done: false`): such calls are made again, in later windows, until every one says done,
   * with the input `again` makes of the stopped call's (the same input without it).
   */
  untilDone<K extends keyof S & string>(
    name: K,
    groups: Array<Array<InputOf<S, K>>>,
    each?: (value: OutputOf<S, K>, input: InputOf<S, K>) => void,
    again?: (input: InputOf<S, K>) => InputOf<S, K>,
  ): Steps<void>;
}

export function stepsOf<S extends StepTable<S>>(runtime: ProcedureRuntime): StepRunner<S> {
  /** A failure with a waitable code (a service limit) is waited out with a durable timer, then retried. */
  function* call<K extends keyof S & string>(name: K, input: InputOf<S, K>): Steps<OutputOf<S, K>> {
    for (let waits = 0; ; waits++) {
      try {
        return unwrap(name, yield* settle(name, runtime.schedule(name, input)));
      } catch (error) {
        const failure = error instanceof StepFailure ? error.failure : undefined;
        if (!failure || !WAITABLE_CODES.includes(failure.code)) throw error;
        if (waits >= (WAIT_LIMITS[failure.code] ?? MAX_WAITS)) throw error;
        runtime.log(`${name}: ${failure.message}`);
        yield runtime.wait(failure.retryAfterMs ?? 60_000);
      }
    }
  }
  function* group<K extends keyof S & string>(
    name: K,
    inputs: Array<InputOf<S, K>>,
  ): Steps<Array<OutputOf<S, K>>> {
    if (inputs.length === 0) return [];
    const results = (yield* settle(
      name,
      runtime.all(inputs.map((i) => runtime.schedule(name, i))),
    )) as unknown[];
    return results.map((r) => unwrap<OutputOf<S, K>>(name, r));
  }
  function* windows<K extends keyof S & string>(
    name: K,
    groups: Array<Array<InputOf<S, K>>>,
    done?: (value: OutputOf<S, K>) => void,
  ): Steps<Array<OutputOf<S, K>>> {
    const values: Array<OutputOf<S, K>> = [];
    for (const inputs of groups) {
      const out = yield* group(name, inputs);
      for (const value of out) done?.(value);
      values.push(...out);
    }
    return values;
  }
  function* untilDone<K extends keyof S & string>(
    name: K,
    groups: Array<Array<InputOf<S, K>>>,
    each?: (value: OutputOf<S, K>, input: InputOf<S, K>) => void,
    again?: (input: InputOf<S, K>) => InputOf<S, K>,
  ): Steps<void> {
    const width = Math.max(1, ...groups.map((g) => g.length));
    let queue = groups;
    while (queue.length > 0) {
      const stopped: Array<InputOf<S, K>> = [];
      for (const inputs of queue) {
        const out = yield* group(name, inputs);
        out.forEach((value, i) => {
          const input = inputs[i] as InputOf<S, K>;
          each?.(value, input);
          if ((value as { done?: unknown }).done === false) stopped.push(again ? again(input) : input);
        });
      }
      queue = windowsOf(stopped, width);
    }
  }
  return { call, group, windows, untilDone };
}

/**
 * `untilDone`'s `again` for steps that checkpoint: a call made again after one stopped at its time budget
 * says so (`resumed`), and only then reads its checkpoint.
 */
export const markResumed = <T>(stopped: T): T => ({ ...stopped, resumed: true });

/** Cuts a list into consecutive groups of at most `size` (a window of fan-out). */
export function windowsOf<T>(items: readonly T[], size: number): T[][] {
  const width = Math.max(1, Math.floor(size));
  const groups: T[][] = [];
  for (let first = 0; first < items.length; first += width) groups.push(items.slice(first, first + width));
  return groups;
}

// The in-process stand-in for the durable engine: runs a procedure's generator (the same one Azure runs
// as an orchestration) against its step table in this process, with the same retry policy and the same
// JSON round trip of every payload, so tests, benchmarks and tools cannot drift from the orchestrations.
import { randomUUID } from "node:crypto";
import type { Task } from "durable-functions";
import { type ActivityTable, runStep, type StepEnv } from "../activities/table";
import { retryDelayMs, STEP_RETRY } from "../orchestrations/failures";
import type { ProcedureRuntime, Steps, StepTable } from "../orchestrations/steps";
import { messageOf } from "../storage/errors";

/** A scheduled step or a group of tasks, as the stand-in's tasks remember them. */
type TaskSpec =
  | { kind: "step"; name: string; input: unknown }
  | { kind: "all"; tasks: InProcessTask[] }
  | { kind: "wait"; ms: number };
type InProcessTask = Task & TaskSpec;

export interface InProcessOptions {
  /** Instance id the procedure sees (the run id of what it records). */
  instanceId: string;
  /** Multiplies the retry policy's delays and the procedure's timers (tests shorten them; 1 = real time). */
  retryDelayScale?: number;
  /** Called after each step with its input and outcome (tests and benchmarks read what steps returned). */
  onStep?: (name: string, input: unknown, result: unknown) => void;
  onStatus?: (status: unknown) => void;
  /** The instant the procedure sees as its start (tests simulate backup windows on past days). */
  startedAt?: Date;
}

const json = (value: unknown): unknown => (value === undefined ? null : JSON.parse(JSON.stringify(value)));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One clock for every in-process run, strictly increasing: two runs never share a start instant. */
let lastStart = 0;
function startInstant(): Date {
  lastStart = Math.max(Date.now(), lastStart + 1);
  return new Date(lastStart);
}

/** Runs `procedure` to its end, executing each yielded step with `table`. */
export async function runInProcess<S extends StepTable<S>, In, Out>(
  procedure: (runtime: ProcedureRuntime, input: In) => Steps<Out>,
  table: ActivityTable<S>,
  env: StepEnv,
  input: In,
  options: InProcessOptions,
): Promise<Out> {
  const scale = options.retryDelayScale ?? 1;
  const task = (spec: TaskSpec) => ({ ...spec, isCompleted: false, isFaulted: false }) as InProcessTask;
  const runtime: ProcedureRuntime = {
    instanceId: options.instanceId,
    now: (() => {
      const at = options.startedAt ?? startInstant();
      return () => at;
    })(),
    newGuid: () => randomUUID(),
    setStatus: (status) => options.onStatus?.(json(status)),
    log: (message) => env.app.log(message),
    schedule: (name, stepInput) => task({ kind: "step", name, input: json(stepInput) }),
    all: (tasks) => task({ kind: "all", tasks: tasks as InProcessTask[] }),
    wait: (ms) => task({ kind: "wait", ms }),
  };

  async function runStepWithRetry(name: string, stepInput: unknown): Promise<unknown> {
    const body = (table as Record<string, (env: StepEnv, input: unknown) => Promise<unknown>>)[name];
    if (!body) throw new Error(`no step named ${name}`);
    for (let attempt = 1; ; attempt++) {
      try {
        const result = json(await runStep(() => body(env, stepInput)));
        options.onStep?.(name, stepInput, result);
        return result;
      } catch (error) {
        if (attempt >= STEP_RETRY.maxNumberOfAttempts) throw new Error(messageOf(error), { cause: error });
        await sleep(retryDelayMs(attempt) * scale);
      }
    }
  }

  /** Like Task.all in the durable host: fails only once every task has settled. */
  async function execute(t: InProcessTask): Promise<unknown> {
    if (t.kind === "step") return runStepWithRetry(t.name, t.input);
    if (t.kind === "wait") return sleep(t.ms * scale);
    const settled = await Promise.allSettled(t.tasks.map(execute));
    const failed = settled.find((s) => s.status === "rejected");
    if (failed) throw failed.reason;
    return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value);
  }

  const generator = procedure(runtime, json(input) as In);
  let next = generator.next();
  while (!next.done) {
    let value: unknown;
    try {
      value = await execute(next.value as InProcessTask);
    } catch (error) {
      next = generator.throw(error);
      continue;
    }
    next = generator.next(value);
  }
  return next.value;
}

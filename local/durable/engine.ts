// The durable engine: per-instance serialized episodes, activity dispatch and durable timers under the
// host.json throttles, sub-orchestrations, and the client operations (start, raise, terminate, purge).
import { randomUUID } from "node:crypto";
import { runEpisode } from "./episode";
import * as ev from "./events";
import type { FunctionRunner } from "./functionRunner";
import { type InstanceRecord, isRunning, type PendingChild, type PendingTimer } from "./instance";
import { InstanceQueue } from "./instanceQueue";
import { Semaphore } from "./semaphore";
import type { DurableStore } from "./store";

export class EngineError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface EngineOptions {
  runner: FunctionRunner;
  store: DurableStore;
  hubName: string;
  maxConcurrentActivityFunctions: number;
  maxConcurrentOrchestratorFunctions: number;
  log: (line: string) => void;
}

const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export class DurableEngine {
  readonly hubName: string;
  readonly #runner: FunctionRunner;
  readonly #queue: InstanceQueue;
  readonly #activitySlots: Semaphore;
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #log: (line: string) => void;

  constructor(options: EngineOptions) {
    this.hubName = options.hubName;
    this.#log = options.log;
    this.#runner = options.runner;
    this.#activitySlots = new Semaphore(options.maxConcurrentActivityFunctions);
    this.#queue = new InstanceQueue(options.store, options.maxConcurrentOrchestratorFunctions, (r) =>
      this.#episode(r),
    );
    this.#queue.onError = (error) =>
      options.log(
        `Durable engine error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
  }

  /** Loads persisted instances and resumes them: pending messages, in-flight activities, timers, children. */
  async start(): Promise<number> {
    const records = await this.#queue.load();
    for (const record of records) {
      if (!isRunning(record)) continue;
      for (const activity of record.activities) this.#dispatchActivity(record, activity);
      for (const timer of record.timers) this.#armTimer(record, timer);
      for (const child of record.children) this.#queue.background(this.#createChild(record, child));
      if (record.inbox.length > 0) this.#queue.kick(record.instanceId);
    }
    return records.length;
  }

  async stop(): Promise<void> {
    for (const handle of this.#timers.values()) clearTimeout(handle);
    this.#timers.clear();
    await this.#queue.stop();
  }

  get(instanceId: string): InstanceRecord | undefined {
    return this.#queue.get(instanceId);
  }

  list(): InstanceRecord[] {
    return this.#queue.all();
  }

  async startNew(
    name: string,
    instanceId: string | undefined,
    input: string | null,
  ): Promise<InstanceRecord> {
    const fn = this.#runner.find(name, "orchestration");
    if (!fn)
      throw new EngineError(400, `The function '${name}' doesn't exist or is not an orchestrator function.`);
    const id = instanceId || randomUUID().replaceAll("-", "");
    return this.#queue.withLock(id, async () => {
      const existing = this.#queue.get(id);
      if (existing && isRunning(existing)) {
        throw new EngineError(
          409,
          `An Orchestration instance with the status ${existing.status} already exists (instance ID '${id}').`,
        );
      }
      const record = newRecord(fn.metadata.name, id, input, null);
      await this.#queue.put(record);
      this.#queue.kick(id);
      return record;
    });
  }

  async raiseEvent(instanceId: string, name: string, input: string | null): Promise<void> {
    this.#requireRunning(instanceId);
    await this.#queue.deliver(instanceId, undefined, ev.eventRaised(new Date(), name, input));
  }

  async terminate(instanceId: string, reason: string): Promise<void> {
    this.#requireRunning(instanceId);
    await this.#queue.deliver(instanceId, undefined, ev.executionTerminated(new Date(), reason));
  }

  /** Deletes a finished instance and its history; running instances are left alone. */
  async purge(instanceId: string): Promise<number> {
    return this.#queue.withLock(instanceId, async () => {
      const record = this.#queue.get(instanceId);
      if (!record || isRunning(record)) return 0;
      await this.#queue.remove(instanceId);
      return 1;
    });
  }

  #requireRunning(instanceId: string): void {
    const record = this.#queue.get(instanceId);
    if (!record) throw new EngineError(404, `No instance with ID '${instanceId}' found.`);
    if (!isRunning(record)) throw new EngineError(410, `Instance '${instanceId}' is ${record.status}.`);
  }

  /** Runs under the instance lock; returns whether the history was replaced (new execution). */
  async #episode(record: InstanceRecord): Promise<boolean> {
    const effects = await runEpisode(record, this.#runner);
    const snapshot = { ...record };
    queueMicrotask(() => {
      for (const activity of effects.activities) this.#dispatchActivity(snapshot, activity);
      for (const timer of effects.timers) this.#armTimer(snapshot, timer);
      for (const child of effects.children) this.#queue.background(this.#createChild(snapshot, child));
      if (effects.finished && record.parent) this.#queue.background(this.#notifyParent(record));
    });
    return effects.historyReset;
  }

  #dispatchActivity(record: InstanceRecord, activity: { id: number; name: string; input: unknown }): void {
    const fn = this.#runner.find(activity.name, "activity");
    const { instanceId, executionId } = record;
    if (!fn) return;
    this.#queue.background(
      this.#activitySlots.run(async () => {
        if (this.#queue.stopped) return;
        const outcome = await this.#runner.runActivity(fn, activity.input, instanceId);
        const now = new Date();
        const event = outcome.ok
          ? ev.taskCompleted(now, activity.id, outcome.result)
          : ev.taskFailed(now, activity.id, outcome.reason, outcome.details);
        await this.#queue.deliver(instanceId, executionId, event, (r) => {
          r.activities = r.activities.filter((a) => a.id !== activity.id);
        });
      }),
    );
  }

  #armTimer(record: InstanceRecord, timer: PendingTimer): void {
    const { instanceId, executionId } = record;
    const key = `${instanceId}|${executionId}|${timer.id}`;
    const fire = () => {
      if (this.#queue.stopped) return;
      const remaining = Date.parse(timer.fireAt) - Date.now();
      if (remaining > 0) {
        this.#timers.set(key, setTimeout(fire, Math.min(remaining, MAX_TIMEOUT_MS)));
        return;
      }
      this.#timers.delete(key);
      const event = ev.timerFired(new Date(), timer.id, timer.fireAt);
      this.#queue.background(
        this.#queue.deliver(instanceId, executionId, event, (r) => {
          r.timers = r.timers.filter((t) => t.id !== timer.id);
        }),
      );
    };
    fire();
  }

  /**
   * Starts a sub-orchestration. An id that is already running is **replaced** by a new execution, as the
   * Azure Storage provider does (it starts the child's ExecutionStarted as a new execution, loading no
   * history for it: DTFx's "Duplicate start event" check never sees the old one): the new parent gets the
   * new execution's result, the old execution's parent waits forever, and the old execution's late
   * activity results are dropped (their execution id no longer matches). Nothing fails.
   */
  async #createChild(parent: InstanceRecord, child: PendingChild): Promise<void> {
    const parentInfo = {
      Name: parent.name,
      Version: parent.version,
      TaskScheduleId: child.id,
      OrchestrationInstance: { InstanceId: parent.instanceId, ExecutionId: parent.executionId },
    };
    await this.#queue.withLock(child.instanceId, async () => {
      const existing = this.#queue.get(child.instanceId);
      const ours =
        existing?.parent?.OrchestrationInstance.ExecutionId === parent.executionId &&
        existing.parent.TaskScheduleId === child.id;
      if (ours) return;
      if (existing && isRunning(existing)) {
        this.#log(
          `Sub-orchestration '${child.instanceId}' is ${existing.status}: replaced by a new execution (as the Azure Storage provider does)`,
        );
      }
      const fn = this.#runner.find(child.name, "orchestration");
      const record = newRecord(
        fn?.metadata.name ?? child.name,
        child.instanceId,
        ev.inputText(child.input),
        parentInfo,
      );
      record.version = child.version;
      await this.#queue.put(record);
      this.#queue.kick(child.instanceId);
    });
    const forget = (r: InstanceRecord) => {
      r.children = r.children.filter((c) => c.id !== child.id);
    };
    await this.#queue.update(parent.instanceId, parent.executionId, forget, undefined);
  }

  async #notifyParent(record: InstanceRecord): Promise<void> {
    const parent = record.parent;
    if (!parent) return;
    const now = new Date();
    const event =
      record.status === "Completed"
        ? ev.subOrchestrationCompleted(now, parent.TaskScheduleId, record.output)
        : ev.subOrchestrationFailed(now, parent.TaskScheduleId, failureText(record), record.status);
    const { InstanceId, ExecutionId } = parent.OrchestrationInstance;
    await this.#queue.deliver(InstanceId, ExecutionId, event);
  }
}

function failureText(record: InstanceRecord): string {
  const output = record.output === null ? "" : JSON.parse(record.output);
  const text = typeof output === "string" ? output : JSON.stringify(output);
  return record.status === "Terminated" ? `Instance '${record.instanceId}' was terminated: ${text}` : text;
}

function newRecord(
  name: string,
  instanceId: string,
  input: string | null,
  parent: InstanceRecord["parent"],
): InstanceRecord {
  const now = new Date();
  const executionId = randomUUID().replaceAll("-", "");
  return {
    instanceId,
    name,
    version: "",
    executionId,
    status: "Pending",
    input,
    output: null,
    customStatus: null,
    createdTime: now.toISOString(),
    lastUpdatedTime: now.toISOString(),
    parent,
    history: [],
    inbox: [ev.executionStarted(now, instanceId, executionId, name, "", input, parent)],
    activities: [],
    timers: [],
    children: [],
  };
}

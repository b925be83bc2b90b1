// Port of the DTFx orchestration context and executor: assigns sequence ids to scheduled work, matches
// them against the history (non-determinism detection), completes tasks from history events, and
// leaves the unmatched scheduled work as the episode's new decisions.
import { CTask } from "./ctask";
import { EventType, type HistoryEvent, parseJsonText } from "./history";

export type Decision =
  | { kind: "activity"; id: number; name: string; input: unknown }
  | { kind: "timer"; id: number; fireAt: Date }
  | {
      kind: "subOrchestration";
      id: number;
      name: string;
      instanceId: string;
      input: unknown;
      version: string;
    };

/** The failure a TaskFailed / SubOrchestrationInstanceFailed event carries. */
export class TaskFailure extends Error {
  constructor(
    readonly reason: string,
    readonly details: string,
  ) {
    super(reason);
  }
}

export class NonDeterminismError extends Error {}

const KIND_LABEL: Record<Decision["kind"], string> = {
  activity: "an activity task",
  timer: "a durable timer",
  subOrchestration: "a sub-orchestration",
};

const SCHEDULE_EVENT_KIND: Partial<Record<number, Decision["kind"]>> = {
  [EventType.TaskScheduled]: "activity",
  [EventType.TimerCreated]: "timer",
  [EventType.SubOrchestrationInstanceCreated]: "subOrchestration",
};

export class ReplayContext {
  now: Date;
  isReplaying = true;
  continueAsNewInput: { value: unknown } | undefined;
  #nextId = 0;
  readonly #executionId: string;
  readonly #pending = new Map<number, Decision>();
  readonly #open = new Map<number, CTask>();
  readonly #waiters = new Map<string, CTask[]>();
  readonly #buffered = new Map<string, HistoryEvent[]>();

  constructor(executionId: string, now: Date) {
    this.#executionId = executionId;
    this.now = now;
  }

  scheduleActivity(name: string, input: unknown): CTask {
    return this.#schedule({ kind: "activity", id: this.#nextId++, name, input });
  }

  createTimer(fireAt: Date): CTask {
    return this.#schedule({ kind: "timer", id: this.#nextId++, fireAt });
  }

  createSubOrchestration(
    name: string,
    instanceId: string | undefined,
    input: unknown,
    version: string,
  ): CTask {
    const id = this.#nextId++;
    // DTFx's default child id when the orchestrator gives none.
    const childId = instanceId || `${this.#executionId}:${id}`;
    return this.#schedule({ kind: "subOrchestration", id, name, instanceId: childId, input, version });
  }

  waitForEvent(name: string): CTask {
    const key = name.toLowerCase();
    const task = new CTask();
    const buffered = this.#buffered.get(key);
    const event = buffered?.shift();
    if (event) {
      task.complete(parseJsonText(event.Input));
      return task;
    }
    const list = this.#waiters.get(key) ?? [];
    list.push(task);
    this.#waiters.set(key, list);
    return task;
  }

  /** Scheduled work no history event has matched yet: this episode's new decisions, in id order. */
  newDecisions(): Decision[] {
    return [...this.#pending.values()].sort((a, b) => a.id - b.id);
  }

  #schedule(decision: Decision): CTask {
    const task = new CTask();
    this.#pending.set(decision.id, decision);
    this.#open.set(decision.id, task);
    return task;
  }

  /** Applies one history event; throws NonDeterminismError when the replay diverges from it. */
  apply(event: HistoryEvent): void {
    switch (event.EventType) {
      case EventType.OrchestratorStarted:
        this.now = new Date(event.Timestamp);
        return;
      case EventType.TaskScheduled:
      case EventType.TimerCreated:
      case EventType.SubOrchestrationInstanceCreated:
        this.#matchScheduled(event);
        return;
      case EventType.TaskCompleted:
      case EventType.SubOrchestrationInstanceCompleted:
        this.#take(event.TaskScheduledId)?.complete(parseJsonText(event.Result));
        return;
      case EventType.TaskFailed:
      case EventType.SubOrchestrationInstanceFailed:
        this.#take(event.TaskScheduledId)?.fail(new TaskFailure(event.Reason ?? "", event.Details ?? ""));
        return;
      case EventType.TimerFired:
        this.#take(event.TimerId)?.complete(undefined);
        return;
      case EventType.EventRaised:
        this.#raise(event);
        return;
      default:
        return;
    }
  }

  #take(id: number | undefined): CTask | undefined {
    if (id === undefined) return undefined;
    const task = this.#open.get(id);
    this.#open.delete(id);
    return task;
  }

  #raise(event: HistoryEvent): void {
    const key = (event.Name ?? "").toLowerCase();
    const waiter = this.#waiters.get(key)?.shift();
    if (waiter) {
      waiter.complete(parseJsonText(event.Input));
      return;
    }
    const list = this.#buffered.get(key) ?? [];
    list.push(event);
    this.#buffered.set(key, list);
  }

  #matchScheduled(event: HistoryEvent): void {
    const kind = SCHEDULE_EVENT_KIND[event.EventType];
    if (!kind) return;
    const decision = this.#pending.get(event.EventId);
    const name = kind === "timer" ? "" : (event.Name ?? "");
    const label = `${KIND_LABEL[kind]} with sequence number ${event.EventId}${name ? ` named '${name}'` : ""}`;
    if (!decision) {
      throw new NonDeterminismError(
        `Non-Deterministic workflow detected: A previous execution of this orchestration scheduled ${label}, ` +
          "but the current replay execution hasn't (yet?) scheduled this task. Was a change made to the " +
          "orchestrator code after this instance had already started running?",
      );
    }
    const scheduledName = decision.kind === "timer" ? "" : decision.name;
    if (decision.kind !== kind || scheduledName.toLowerCase() !== name.toLowerCase()) {
      const now =
        decision.kind === "timer" ? "a durable timer" : `${KIND_LABEL[decision.kind]} '${scheduledName}'`;
      throw new NonDeterminismError(
        `Non-Deterministic workflow detected: A previous execution of this orchestration scheduled ${label}, ` +
          `but the current replay execution scheduled ${now} with that sequence number instead. Was a change ` +
          "made to the orchestrator code after this instance had already started running?",
      );
    }
    this.#pending.delete(event.EventId);
  }
}

// Timer triggers: six-field NCRONTAB (or TimeSpan) schedules with %SETTING% resolved, runOnStartup,
// isPastDue and schedule status, and never two invocations of the same timer at once.
import { Cron } from "croner";
import type { CoreRegistry, RegisteredFunction, RpcBinding } from "./coreShim";
import { extraInputsFor } from "./extraInputs";
import { resolveSettingExpression } from "./hostConfig";
import type { Invoker } from "./invoker";

/** How late an occurrence may start before the handler sees isPastDue (the host's own slack). */
const PAST_DUE_SLACK_MS = 1000;

interface TimerSchedule {
  next(after: Date): Date | null;
}

class TimerFunction {
  last: Date | undefined;
  #running: Promise<void> = Promise.resolve();
  #handle: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(
    readonly fn: RegisteredFunction,
    readonly trigger: RpcBinding,
    readonly schedule: TimerSchedule,
    readonly invoke: (timer: TimerFunction, scheduledAt: Date, next: Date | null) => Promise<void>,
  ) {}

  start(runOnStartup: boolean): void {
    if (runOnStartup) void this.run(new Date());
    this.#arm();
  }

  #arm(): void {
    if (this.#stopped) return;
    const next = this.schedule.next(new Date());
    if (!next) return;
    const delay = Math.min(Math.max(0, next.getTime() - Date.now()), 2 ** 31 - 1);
    this.#handle = setTimeout(() => {
      if (Date.now() < next.getTime()) return this.#arm();
      void this.run(next).then(() => this.#arm());
    }, delay);
  }

  /** Runs after any invocation in progress, so one timer never runs twice at once. */
  run(scheduledAt: Date): Promise<void> {
    const previous = this.#running;
    this.#running = previous.then(() =>
      this.#stopped ? undefined : this.invoke(this, scheduledAt, this.schedule.next(new Date())),
    );
    return this.#running;
  }

  stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#handle);
    return this.#running;
  }
}

export function parseSchedule(expression: string): TimerSchedule {
  const span = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})$/.exec(expression.trim());
  if (span) {
    const [, days = "0", h = "0", m = "0", s = "0"] = span;
    const interval = ((Number(days) * 24 + Number(h)) * 60 + Number(m)) * 60_000 + Number(s) * 1000;
    return { next: (after) => new Date(after.getTime() + interval) };
  }
  if (expression.trim().split(/\s+/).length !== 6) {
    throw new Error(`Timer schedule "${expression}" is not a six-field NCRONTAB expression or a TimeSpan`);
  }
  // NCRONTAB matches day-of-month AND day-of-week; schedules are in UTC like the host's default.
  const cron = new Cron(expression, { paused: true, timezone: "UTC", domAndDow: true });
  return { next: (after) => cron.nextRun(after) };
}

export class TimerTriggers {
  readonly #timers = new Map<string, TimerFunction>();
  readonly #invoker: Invoker;
  readonly #extraInput: (binding: RpcBinding) => unknown;

  constructor(
    registry: CoreRegistry,
    invoker: Invoker,
    settings: Record<string, string | undefined>,
    extraInput: (binding: RpcBinding) => unknown,
  ) {
    this.#invoker = invoker;
    this.#extraInput = extraInput;
    for (const fn of registry.functions.values()) {
      const trigger = Object.values(fn.metadata.bindings).find(
        (b) => b.type.toLowerCase() === "timertrigger",
      );
      if (!trigger) continue;
      const expression = resolveSettingExpression(String(trigger.schedule ?? ""), settings);
      const timer = new TimerFunction(fn, trigger, parseSchedule(expression), (t, at, next) =>
        this.#invoke(t, at, next),
      );
      this.#timers.set(fn.metadata.name.toLowerCase(), timer);
    }
  }

  describe(): string[] {
    return [...this.#timers.values()].map(
      (t) => `${t.fn.metadata.name}: timerTrigger ${String(t.trigger.schedule)}`,
    );
  }

  start(): void {
    for (const timer of this.#timers.values()) timer.start(timer.trigger.runOnStartup === true);
  }

  /** Runs a timer function now (the host's admin endpoint); false when there is no such timer. */
  runNow(name: string): boolean {
    const timer = this.#timers.get(name.toLowerCase());
    if (!timer) return false;
    void timer.run(new Date());
    return true;
  }

  async stop(): Promise<void> {
    await Promise.allSettled([...this.#timers.values()].map((t) => t.stop()));
  }

  async #invoke(timer: TimerFunction, scheduledAt: Date, next: Date | null): Promise<void> {
    const now = new Date();
    const payload = {
      Schedule: { AdjustForDST: true },
      ScheduleStatus: {
        Last: (timer.last ?? scheduledAt).toISOString(),
        Next: (next ?? scheduledAt).toISOString(),
        LastUpdated: now.toISOString(),
      },
      IsPastDue: now.getTime() - scheduledAt.getTime() > PAST_DUE_SLACK_MS,
    };
    timer.last = scheduledAt;
    try {
      await this.#invoker.invoke(timer.fn, {
        inputData: [
          { name: String(timer.trigger.name), data: { json: JSON.stringify(payload) } },
          ...extraInputsFor(timer.fn, this.#extraInput),
        ],
      });
    } catch {
      // The invoker logged the failure; the schedule goes on, as in the host.
    }
  }
}

// Holds the instances in memory, serializes all work on one instance (one episode or message at a time),
// runs episodes under the orchestrator throttle and writes every change through to the store.
import type { HistoryEvent } from "./history";
import { type InstanceRecord, isRunning } from "./instance";
import { Semaphore } from "./semaphore";
import type { DurableStore } from "./store";

const BATCH_WINDOW_MS = 10;

export type EpisodeRunner = (record: InstanceRecord) => Promise<boolean>;

export class InstanceQueue {
  stopped = false;
  onError: (error: unknown) => void = () => {};
  readonly #store: DurableStore;
  readonly #episode: EpisodeRunner;
  readonly #slots: Semaphore;
  readonly #instances = new Map<string, InstanceRecord>();
  readonly #stored = new Map<string, number>();
  readonly #locks = new Map<string, Promise<unknown>>();
  readonly #queued = new Set<string>();
  readonly #saves = new Set<Promise<unknown>>();

  constructor(store: DurableStore, maxConcurrentOrchestrations: number, episode: EpisodeRunner) {
    this.#store = store;
    this.#slots = new Semaphore(maxConcurrentOrchestrations);
    this.#episode = episode;
  }

  async load(): Promise<InstanceRecord[]> {
    const records = await this.#store.loadAll();
    for (const record of records) {
      this.#instances.set(record.instanceId, record);
      this.#stored.set(record.instanceId, record.history.length);
    }
    return records;
  }

  get(instanceId: string): InstanceRecord | undefined {
    return this.#instances.get(instanceId);
  }

  all(): InstanceRecord[] {
    return [...this.#instances.values()];
  }

  /** Runs work after every earlier piece of work on the same instance has finished. */
  withLock<T>(instanceId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#locks.get(instanceId) ?? Promise.resolve();
    const run = previous.then(work, work);
    const tail = run.catch(() => {});
    this.#locks.set(instanceId, tail);
    void tail.then(() => {
      if (this.#locks.get(instanceId) === tail) this.#locks.delete(instanceId);
    });
    return run;
  }

  /** Adds or replaces an instance (call under its lock). */
  async put(record: InstanceRecord): Promise<void> {
    this.#instances.set(record.instanceId, record);
    await this.#persist(record, true);
  }

  async remove(instanceId: string): Promise<void> {
    this.#instances.delete(instanceId);
    this.#stored.delete(instanceId);
    await this.#track(this.#store.delete(instanceId));
  }

  /** Queues a message for the current execution (any execution when executionId is undefined). */
  deliver(
    instanceId: string,
    executionId: string | undefined,
    event: HistoryEvent,
    mutate?: (r: InstanceRecord) => void,
  ) {
    return this.update(instanceId, executionId, mutate, event);
  }

  async update(
    instanceId: string,
    executionId: string | undefined,
    mutate: ((r: InstanceRecord) => void) | undefined,
    event: HistoryEvent | undefined,
  ): Promise<void> {
    await this.withLock(instanceId, async () => {
      const record = this.#instances.get(instanceId);
      if (!record || !isRunning(record)) return;
      if (executionId !== undefined && record.executionId !== executionId) return;
      mutate?.(record);
      if (event) record.inbox.push(event);
      record.lastUpdatedTime = new Date().toISOString();
      await this.#persist(record, false);
      if (event) this.kick(instanceId);
    });
  }

  /** Schedules an episode for the instance unless one is already waiting. */
  kick(instanceId: string): void {
    if (this.stopped || this.#queued.has(instanceId)) return;
    this.#queued.add(instanceId);
    // A short batching window lets completions that arrive together share one episode (one replay),
    // as the Azure Storage provider dequeues messages in batches.
    const start = () =>
      this.#slots.run(async () => {
        this.#queued.delete(instanceId);
        await this.withLock(instanceId, () => this.#runEpisode(instanceId));
      });
    this.background(new Promise((resolve) => setTimeout(resolve, BATCH_WINDOW_MS)).then(start));
  }

  async #runEpisode(instanceId: string): Promise<void> {
    const record = this.#instances.get(instanceId);
    if (this.stopped || !record || record.inbox.length === 0) return;
    if (!isRunning(record)) {
      record.inbox = [];
      return;
    }
    const before = structuredClone(record);
    let historyReset: boolean;
    try {
      historyReset = await this.#episode(record);
    } catch (error) {
      // A failed episode changes nothing: its messages stay pending for the next one.
      Object.assign(record, before);
      throw error;
    }
    await this.#persist(record, historyReset);
    if (record.inbox.length > 0) this.kick(instanceId);
  }

  /** Fire-and-forget work whose failure must not crash the host. */
  background(work: Promise<unknown>): void {
    work.catch((error) => this.onError(error));
  }

  async #persist(record: InstanceRecord, historyReset: boolean): Promise<void> {
    if (this.stopped) return;
    const historyFrom = historyReset ? 0 : (this.#stored.get(record.instanceId) ?? 0);
    await this.#track(this.#store.save(record, { historyFrom, historyReset }));
    this.#stored.set(record.instanceId, record.history.length);
  }

  #track<T>(work: Promise<T>): Promise<T> {
    this.#saves.add(work);
    void work.finally(() => this.#saves.delete(work)).catch(() => {});
    return work;
  }

  /** Stops taking work; waits for writes in progress so nothing is written after stop returns. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled([...this.#saves]);
  }
}

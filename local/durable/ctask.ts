// Synchronous tasks and generator coroutines for the DTFx port: continuations run the moment a history
// event completes a task, as DTFx's synchronization context does, so sequence ids come out in order.

export type TaskStatus = "pending" | "completed" | "faulted";

export class CTask<T = unknown> {
  status: TaskStatus = "pending";
  value: T | undefined;
  error: unknown;
  #continuations: (() => void)[] = [];

  get isDone(): boolean {
    return this.status !== "pending";
  }

  complete(value: T): void {
    if (this.isDone) return;
    this.status = "completed";
    this.value = value;
    this.#flush();
  }

  fail(error: unknown): void {
    if (this.isDone) return;
    this.status = "faulted";
    this.error = error;
    this.#flush();
  }

  onDone(continuation: () => void): void {
    if (this.isDone) continuation();
    else this.#continuations.push(continuation);
  }

  #flush(): void {
    const list = this.#continuations;
    this.#continuations = [];
    for (const continuation of list) continuation();
  }
}

export type Coroutine<T> = Generator<CTask, T, unknown>;

/** Runs a coroutine that yields CTasks; like a C# async method, it resumes synchronously on completion. */
export function runCoroutine<T>(coroutine: Coroutine<T>): CTask<T> {
  const result = new CTask<T>();
  const step = (input: { value?: unknown; error?: unknown; failed: boolean }) => {
    let next: IteratorResult<CTask, T>;
    try {
      next = input.failed ? coroutine.throw(input.error) : coroutine.next(input.value);
    } catch (error) {
      result.fail(error);
      return;
    }
    if (next.done) {
      result.complete(next.value);
      return;
    }
    const awaited = next.value;
    awaited.onDone(() =>
      awaited.status === "completed"
        ? step({ value: awaited.value, failed: false })
        : step({ error: awaited.error, failed: true }),
    );
  };
  step({ failed: false });
  return result;
}

/** C# Task.WhenAll: waits for every task, then faults with the first failure if any failed. */
export function whenAll(tasks: CTask[]): CTask<unknown[]> {
  const result = new CTask<unknown[]>();
  let remaining = tasks.length;
  const settle = () => {
    const failed = tasks.find((t) => t.status === "faulted");
    if (failed) result.fail(failed.error);
    else result.complete(tasks.map((t) => t.value));
  };
  if (remaining === 0) settle();
  for (const task of tasks) {
    task.onDone(() => {
      remaining--;
      if (remaining === 0) settle();
    });
  }
  return result;
}

/** C# Task.WhenAny: completes with the first finished task and never faults. */
export function whenAny(tasks: CTask[]): CTask<CTask> {
  const result = new CTask<CTask>();
  for (const task of tasks) task.onDone(() => result.complete(task));
  return result;
}

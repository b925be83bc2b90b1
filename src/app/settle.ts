// Parallel work inside one step: every task settles before the step fails, so nothing keeps running
// (or writing) behind a failed step while the orchestration already retries it.

/** Waits for every task; fails with the first failure (in order of the tasks) once all have settled. */
export async function settleAll<T extends unknown[]>(
  tasks: [...{ [K in keyof T]: Promise<T[K]> }],
): Promise<T> {
  const settled = await Promise.allSettled(tasks);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as T;
}

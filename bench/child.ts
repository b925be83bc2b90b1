// Driver side of the copying child process: forks dist/bench/worker.js for one task, sends the request
// and returns the task's result with the child's peak RSS (VmHWM of the child's process image).
import { fork } from "node:child_process";
import { join } from "node:path";
import { childExecArgv } from "./hostFlags";
import type { Endpoints, TaskReply, TaskResult } from "./protocol";

export interface ChildOutcome extends TaskResult {
  peakRssMiB: number;
  cpuSeconds: number;
}

/** Bounds one task; the 100-disk run can take many minutes on a loaded 2-core machine. */
const TASK_TIMEOUT_MS = 30 * 60_000;

/** BENCH_CHILD_NODE_ARGS: extra node flags for the task's process (e.g. `--cpu-prof --cpu-prof-dir=prof`). */
const childNodeArgs = () => (process.env.BENCH_CHILD_NODE_ARGS ?? "").split(" ").filter((a) => a !== "");

export function runInChild(
  task: string,
  endpoints: Endpoints,
  params: Record<string, unknown>,
): Promise<ChildOutcome> {
  // The app logs every step on stdout; the table is what matters here, errors come back over IPC.
  const child = fork(join(__dirname, "worker.js"), [], {
    stdio: ["ignore", "ignore", "inherit", "ipc"],
    execArgv: childExecArgv(childNodeArgs()),
  });
  return new Promise<ChildOutcome>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      child.kill();
      finish(() => reject(new Error(`task ${task} timed out`)));
    }, TASK_TIMEOUT_MS);
    const finish = (action: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      action();
    };
    child.once("message", (message: TaskReply) => {
      finish(() => {
        if (!message.ok) {
          reject(new Error(`task ${task}: ${message.error}`));
          return;
        }
        resolve({
          ...message.result,
          peakRssMiB: message.maxRssKiB / 1024,
          cpuSeconds: (message.cpuUserMs + message.cpuSystemMs) / 1000,
        });
      });
    });
    child.once("error", (error) => finish(() => reject(error)));
    child.once("exit", (code) => finish(() => reject(new Error(`task ${task}: child exited with ${code}`))));
    child.send({ task, endpoints, params });
  });
}

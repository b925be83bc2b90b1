// The copying child process: runs one benchmark task sent by the driver, replies with its result and
// the process's peak RSS and CPU time, then exits (so every task gets a fresh process).
import { readFileSync } from "node:fs";
import type { Endpoints, TaskReply, TaskRequest, TaskResult } from "./protocol";
import { appBackupDirect, appRestoreDirect, runtimeBackup } from "./tasks/app";
import { engineManyDisks, ourBackup } from "./tasks/backup";
import { ceilingPutPage, ceilingPutPageFromUrl } from "./tasks/ceiling";
import { appVerifyDirect, pairedReadCeiling, retentionDecision } from "./tasks/lifecycle";
import { appBackupTimed } from "./tasks/managed";
import { naiveFullCopy, naiveIncremental } from "./tasks/naive";
import { planFragmentedDiff } from "./tasks/planning";

type Task = (endpoints: Endpoints, params: Record<string, unknown>) => Promise<TaskResult>;

const TASKS: Record<string, Task> = {
  ceilingPutPageFromUrl,
  ceilingPutPage,
  ourBackup,
  engineManyDisks,
  naiveFullCopy,
  naiveIncremental,
  planFragmentedDiff,
  runtimeBackup,
  appBackupDirect,
  appRestoreDirect,
  retentionDecision,
  appVerifyDirect,
  pairedReadCeiling,
  appBackupTimed,
};

/**
 * Peak RSS of this process image: VmHWM from /proc (Linux). getrusage's maxRSS is not used on Linux
 * because a forked child inherits the parent's high-water mark (here the driver, which hosts the emulator).
 */
function peakRssKiB(): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync("/proc/self/status", "utf8"));
    if (match) return Number(match[1]);
  } catch {
    // not Linux: fall through
  }
  return process.resourceUsage().maxRSS;
}

async function handle(request: TaskRequest): Promise<TaskReply> {
  const task = TASKS[request.task];
  if (task === undefined) return { ok: false, error: `unknown task ${request.task}` };
  try {
    const result = await task(request.endpoints, request.params);
    const usage = process.resourceUsage();
    return {
      ok: true,
      result,
      maxRssKiB: peakRssKiB(),
      cpuUserMs: usage.userCPUTime / 1000,
      cpuSystemMs: usage.systemCPUTime / 1000,
    };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
}

process.once("message", (request: TaskRequest) => {
  void handle(request).then((reply) => {
    process.send?.(reply, () => process.exit(0));
  });
});

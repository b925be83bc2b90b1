// The driver hosts the emulator, the stand-in for a service whose work never runs on the client's cores.
// On a 2-core machine V8's parallel and concurrent GC threads in that process take CPU from the copying
// child and from the emulator's own thread, by an amount that swings with the heap's state: identical
// 128 MiB Put Page From URL loops cost the emulator 0.5-1.7 s of CPU. In six trials of 24 loops each, the
// median rate was 152-236 MiB/s and the lowest quarter under 114-229 with those threads, against 198-250
// and 184-239 with the collector on the emulator's thread alone. The copying children keep V8's defaults,
// as the app has them in production.
import { spawnSync } from "node:child_process";

/** V8 flag the driver runs with: garbage collection on the emulator's own thread only. */
export const HOST_GC_FLAG = "--single-threaded-gc";

/**
 * Runs this script again with HOST_GC_FLAG when the process was started without it (`node dist/bench/run.js`
 * as well as `npm run bench`); returns the exit code of that run, or undefined when this process has it.
 */
export function rerunWithHostFlags(): number | undefined {
  if (process.execArgv.includes(HOST_GC_FLAG)) return undefined;
  const script = process.argv[1] ?? "";
  const rerun = spawnSync(
    process.execPath,
    [...process.execArgv, HOST_GC_FLAG, script, ...process.argv.slice(2)],
    {
      stdio: "inherit",
    },
  );
  if (rerun.error) throw rerun.error;
  return rerun.status ?? 1;
}

/** Node flags for a copying child: the driver's, less the host-only GC flag. */
export function childExecArgv(extra: string[]): string[] {
  return [...process.execArgv.filter((arg) => arg !== HOST_GC_FLAG), ...extra];
}

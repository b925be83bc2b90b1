// Runs the storage emulator (dist/local/emulator/cli.js) in a child process on a data folder, so a
// test can kill it with SIGKILL and start another on the same folder.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

const root = path.resolve(__dirname, "../..");
const cli = path.join(root, "dist/local/emulator/cli.js");

export interface EmulatorChild {
  blobPort: number;
  tablePort: number;
  process: ChildProcess;
  /** SIGKILL, then wait until the process is gone. */
  kill(): Promise<void>;
}

const live = new Set<ChildProcess>();

/** Kills every emulator child still running (for afterAll: a failed test must not leave one behind). */
export async function killEmulatorChildren(): Promise<void> {
  await Promise.all(
    [...live].map(
      (child) =>
        new Promise<void>((resolve) => {
          child.once("exit", () => resolve());
          child.kill("SIGKILL");
        }),
    ),
  );
}

export async function startEmulatorChild(location: string, extraArgs: string[] = []): Promise<EmulatorChild> {
  if (!existsSync(cli)) throw new Error("Build first: npm run build (dist/local/emulator/cli.js is missing)");
  const child = spawn(
    process.execPath,
    [cli, "--location", location, "--blob-port", "0", "--table-port", "0", ...extraArgs],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  live.add(child);
  let output = "";
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      live.delete(child);
      resolve();
    }),
  );
  const ports = await new Promise<{ blob: number; table: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`emulator did not start:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const blob = /blob:\s+http:\/\/127\.0\.0\.1:(\d+)\//.exec(output);
      const table = /table:\s+http:\/\/127\.0\.0\.1:(\d+)\//.exec(output);
      if (blob && table) {
        clearTimeout(timer);
        resolve({ blob: Number(blob[1]), table: Number(table[1]) });
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`emulator exited (${code}):\n${output}`));
    });
  });
  return {
    blobPort: ports.blob,
    tablePort: ports.table,
    process: child,
    kill: async () => {
      child.kill("SIGKILL");
      await exited;
    },
  };
}

// Runs the storage emulator (dist/local/emulator/cli.js) in a child process on a data folder, so a
// test can kill it with SIGKILL and start another on the same folder.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { TableClient } from "@azure/data-tables";
import { BlobServiceClient, type ContainerClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import { DEFAULT_ACCOUNTS } from "../../local/emulator/index";
import { prng } from "./helpers";

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

const ACCOUNT = "devstoreaccount1";
const KEY = DEFAULT_ACCOUNTS[0]?.key ?? "";

/** Blob containers and tables of an emulator child's first account. */
export interface Clients {
  container(name: string): ContainerClient;
  table(name: string): TableClient;
}

export function clientsFor(child: EmulatorChild): Clients {
  const credential = new StorageSharedKeyCredential(ACCOUNT, KEY);
  // No retries: a request to a dead emulator must fail at once, not be replayed after the restart.
  const service = new BlobServiceClient(`http://127.0.0.1:${child.blobPort}/${ACCOUNT}`, credential, {
    retryOptions: { maxTries: 1 },
  });
  const connection =
    `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${KEY};` +
    `TableEndpoint=http://127.0.0.1:${child.tablePort}/${ACCOUNT};`;
  return {
    container: (name) => service.getContainerClient(name),
    table: (name) =>
      TableClient.fromConnectionString(connection, name, {
        allowInsecureConnection: true,
        retryOptions: { maxRetries: 0 },
      }),
  };
}

/** Kills the emulator child and starts a new one on the same data folder. */
export async function restart(child: EmulatorChild, location: string) {
  await child.kill();
  const next = await startEmulatorChild(location);
  return { child: next, clients: clientsFor(next) };
}

/** A crash test's rounds: writers run, SIGKILL after a random pause, restart, every writer checked. */
export interface KillRounds<W> {
  location: string;
  child: EmulatorChild;
  rounds: number;
  seed: number;
  /** Picks each round's pause (the seeded generator of the test). */
  rnd: () => number;
  minPauseMs: number;
  writers: W[];
  write(clients: Clients, writer: W, rnd: () => number, stopped: () => boolean): Promise<void>;
  verify(clients: Clients, writer: W): Promise<void>;
}

/** Runs the rounds; returns the emulator child running after the last restart. */
export async function killRounds<W>(run: KillRounds<W>) {
  let child = run.child;
  let clients = clientsFor(child);
  for (let round = 0; round < run.rounds; round++) {
    let stopped = false;
    const running = run.writers.map((writer, i) =>
      run.write(clients, writer, prng(run.seed * 31 + round * 7 + i), () => stopped),
    );
    await new Promise((resolve) => setTimeout(resolve, run.minPauseMs + run.rnd() * 2000));
    await child.kill();
    stopped = true;
    await Promise.all(running);
    child = await startEmulatorChild(run.location);
    clients = clientsFor(child);
    for (const writer of run.writers) await run.verify(clients, writer);
  }
  return { child, clients };
}

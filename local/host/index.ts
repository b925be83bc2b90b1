// Public entry of the local Functions runtime: loads the app through the core shim and serves its HTTP
// functions, timers and durable orchestrations on one port, as the Functions host and Durable extension do.
import path from "node:path";
import { DurableHttpApi } from "../durable/clientApi";
import { durableClientData } from "../durable/clientBinding";
import { DurableEngine } from "../durable/engine";
import { FunctionRunner } from "../durable/functionRunner";
import type { InstanceRecord } from "../durable/instance";
import { type DurableStore, MemoryStore } from "../durable/store";
import { TableStore } from "../durable/tableStore";
import { adminHandler } from "./admin";
import { loadEntryFiles, resolveEntryFiles, versionWarnings } from "./appLoader";
import type { RpcBinding } from "./coreShim";
import { installCoreShim } from "./coreShim";
import { readHostConfig } from "./hostConfig";
import { HttpFunctions } from "./http/httpFunctions";
import { startFrontDoor } from "./http/server";
import { Invoker, type LogLine } from "./invoker";
import { TimerTriggers } from "./timers";

export interface LocalHostOptions {
  appRoot: string;
  entryFiles?: string[];
  port?: number;
  settings: Record<string, string>;
  durableStore?: { kind: "memory" } | { kind: "table"; connectionString: string; hubName?: string };
  /** Every line the runtime prints; successful invocations come with level "verbose". */
  log?: LogLine;
}

export interface RunningHost {
  baseUrl: string;
  port: number;
  /** The durable instances as the engine holds them now (read only: for progress reports). */
  instances(): readonly InstanceRecord[];
  /** Functions whose invocations ran past functionTimeout, one entry per invocation. */
  functionTimeouts(): readonly string[];
  stop(): Promise<void>;
}

const loadedFiles = new Set<string>();

export async function startLocalHost(options: LocalHostOptions): Promise<RunningHost> {
  const log = options.log ?? ((line: string) => console.log(line));
  const appRoot = path.resolve(options.appRoot);
  // The worker exposes app settings as environment variables before the app is loaded.
  Object.assign(process.env, options.settings);
  const settings = { ...process.env, ...options.settings };
  const config = readHostConfig(appRoot, settings);
  const registry = installCoreShim();
  registry.logSink = (level, category, message) => {
    if (level === "error" || level === "warning") log(`[${category}] ${message}`);
  };
  const files = options.entryFiles ?? resolveEntryFiles(appRoot);
  // One app per process: a second host in the same process reuses the registrations already made.
  loadEntryFiles(files.filter((f) => !loadedFiles.has(f)));
  for (const file of files) loadedFiles.add(file);
  for (const warning of files[0] ? versionWarnings(files[0]) : []) log(warning);

  const invoker = new Invoker(registry, log, { functionTimeoutMs: config.functionTimeoutMs });
  const store: DurableStore =
    options.durableStore?.kind === "table"
      ? await TableStore.create(
          options.durableStore.connectionString,
          options.durableStore.hubName ?? config.hubName,
        )
      : new MemoryStore();
  const hubName =
    options.durableStore?.kind === "table"
      ? (options.durableStore.hubName ?? config.hubName)
      : config.hubName;
  let origin = "";
  const extraInput = (binding: RpcBinding) =>
    binding.type.toLowerCase() === "durableclient" || binding.type.toLowerCase() === "orchestrationclient"
      ? durableClientData(origin, hubName)
      : undefined;
  const runner = new FunctionRunner(registry, invoker, extraInput);
  const engine = new DurableEngine({
    runner,
    store,
    hubName,
    maxConcurrentActivityFunctions: config.maxConcurrentActivityFunctions,
    maxConcurrentOrchestratorFunctions: config.maxConcurrentOrchestratorFunctions,
    log,
  });
  const http = new HttpFunctions(registry, invoker, config.routePrefix, extraInput);
  const timers = new TimerTriggers(registry, invoker, settings, extraInput);
  const api = new DurableHttpApi(engine);
  const door = await startFrontDoor(
    options.port ?? 7071,
    [(...a) => api.handle(...a), adminHandler(timers), (...a) => http.handle(...a)],
    log,
  );
  origin = `http://127.0.0.1:${door.port}`;
  // Keeps DurableClient from rewriting webhook origins to localhost:7071 when another port is used.
  process.env.WEBSITE_HOSTNAME ??= `127.0.0.1:${door.port}`;
  for (const hook of registry.hooksFor("appStart")) {
    await hook({ hookData: {}, appHookData: invoker.appHookData, functionAppDirectory: appRoot });
  }
  const resumed = await engine.start();
  if (resumed > 0) log(`Durable: loaded ${resumed} instance(s) from the task hub '${hubName}'`);
  timers.start();
  log(`Functions (task hub '${hubName}'):`);
  for (const line of [...http.describe(origin), ...timers.describe()]) log(`  ${line}`);
  let stopped: Promise<void> | undefined;
  return {
    baseUrl: origin,
    port: door.port,
    instances: () => engine.list(),
    functionTimeouts: () => invoker.timeouts,
    stop: () => {
      stopped ??= (async () => {
        // The engine stops first: work finishing after this point is not recorded (it re-runs on restart).
        await engine.stop();
        await Promise.all([timers.stop(), door.close()]);
        for (const hook of registry.hooksFor("appTerminate")) {
          await hook({ hookData: {}, appHookData: invoker.appHookData });
        }
      })();
      return stopped;
    },
  };
}

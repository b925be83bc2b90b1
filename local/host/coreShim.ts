// Stands in for the Functions worker's `@azure/functions-core` module: captures the programming model,
// function registrations and hooks the app makes, so the host can drive them as the worker would.
import Module from "node:module";

export interface RpcBinding {
  type: string;
  name?: string;
  direction: "in" | "out" | "inout";
  [key: string]: unknown;
}

export interface FunctionMetadata {
  name: string;
  bindings: Record<string, RpcBinding>;
  retryOptions?: unknown;
}

export type FunctionHandler = (...args: unknown[]) => unknown;

export interface RegisteredFunction {
  metadata: FunctionMetadata;
  handler: FunctionHandler;
}

/** The subset of the worker's core ProgrammingModel the host drives. */
export interface CoreInvocationModel {
  getArguments(): Promise<{ context: unknown; inputs: unknown[] }>;
  invokeFunction(context: unknown, inputs: unknown[], handler: FunctionHandler): Promise<unknown>;
  getResponse(context: unknown, result: unknown): Promise<RpcInvocationResponse>;
}

export interface ProgrammingModel {
  name: string;
  version: string;
  getInvocationModel(coreCtx: unknown): CoreInvocationModel;
}

export interface RpcInvocationResponse {
  invocationId?: string;
  returnValue?: unknown;
  outputData?: { name: string; data: unknown }[];
}

export type HookName = "appStart" | "appTerminate" | "preInvocation" | "postInvocation" | "log";
export type HookCallback = (context: Record<string, unknown>) => unknown;

class Disposable {
  #callback: () => void;
  constructor(callback: () => void) {
    this.#callback = callback;
  }
  dispose(): void {
    this.#callback();
  }
}

/** Registrations captured from the app; one per process, like the worker. */
export class CoreRegistry {
  programmingModel: ProgrammingModel | undefined;
  readonly functions = new Map<string, RegisteredFunction>();
  readonly hooks = new Map<HookName, HookCallback[]>();
  logSink: (level: string, category: string, message: string) => void = () => {};

  hooksFor(name: HookName): HookCallback[] {
    return [...(this.hooks.get(name) ?? [])];
  }

  /** The object the app gets from `require("@azure/functions-core")`. */
  coreApi(): Record<string, unknown> {
    return {
      version: "3.10.1",
      hostVersion: "4.1037.0.0",
      Disposable,
      setProgrammingModel: (model: ProgrammingModel) => {
        this.programmingModel = model;
      },
      getProgrammingModel: () => this.programmingModel,
      registerFunction: (metadata: FunctionMetadata, handler: FunctionHandler) => {
        if (this.functions.has(metadata.name.toLowerCase())) {
          throw new Error(`A function with the name "${metadata.name}" has already been registered.`);
        }
        this.functions.set(metadata.name.toLowerCase(), { metadata, handler });
        return new Disposable(() => this.functions.delete(metadata.name.toLowerCase()));
      },
      registerHook: (name: HookName, callback: HookCallback) => {
        const list = this.hooks.get(name) ?? [];
        list.push(callback);
        this.hooks.set(name, list);
        return new Disposable(() => {
          const at = list.indexOf(callback);
          if (at >= 0) list.splice(at, 1);
        });
      },
      log: (level: string, category: string, message: string) => this.logSink(level, category, message),
    };
  }
}

const CORE_MODULE_ID = "@azure/functions-core";
let installed: CoreRegistry | undefined;

interface ModuleInternals {
  _resolveFilename(request: string, ...rest: unknown[]): string;
  _cache: Record<string, unknown>;
}

/**
 * Makes `require("@azure/functions-core")` return the registry's API, as the worker's setupCoreModule
 * does. The module lives only in the require cache, so it works from TS sources and compiled JS alike.
 */
export function installCoreShim(): CoreRegistry {
  if (installed) return installed;
  const registry = new CoreRegistry();
  const internals = Module as unknown as ModuleInternals;
  const shimModule = new Module(CORE_MODULE_ID);
  shimModule.filename = CORE_MODULE_ID;
  shimModule.loaded = true;
  shimModule.exports = registry.coreApi();
  internals._cache[CORE_MODULE_ID] = shimModule;
  const original = internals._resolveFilename;
  internals._resolveFilename = function resolveCore(this: unknown, request: string, ...rest: unknown[]) {
    if (request === CORE_MODULE_ID) return CORE_MODULE_ID;
    return original.call(this, request, ...rest);
  };
  installed = registry;
  return registry;
}

// Invokes a registered function through the app's own ProgrammingModel, in the worker's order:
// getArguments, preInvocation hooks, invokeFunction, postInvocation hooks, getResponse.
import { randomUUID } from "node:crypto";
import type { CoreRegistry, RegisteredFunction, RpcInvocationResponse } from "./coreShim";

export interface RpcParameterBinding {
  name: string;
  data: unknown;
}

export interface InvocationRequest {
  inputData: RpcParameterBinding[];
  triggerMetadata?: Record<string, unknown>;
}

export interface InvocationLabel {
  /** Durable instance id, shown in the invocation log line. */
  instanceId?: string;
  /** Log the invocation line only when it fails (replays of big orchestrations are chatty). */
  quietSuccess?: boolean;
}

/** "verbose" lines (one per successful invocation) are for LOG_LEVEL=verbose; the rest is info. */
export type LogLevel = "info" | "verbose";

export type LogLine = (line: string, level?: LogLevel) => void;

/** The host's answer when a function runs past functionTimeout (the invocation fails; see invoke). */
export class FunctionTimeoutError extends Error {
  constructor(name: string, timeoutMs: number, invocationId: string) {
    const s = Math.round(timeoutMs / 1000);
    const span = `${String(Math.floor(s / 3600)).padStart(2, "0")}:${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
    super(
      `Timeout value of ${span} exceeded by function '${name}' (Id: '${invocationId}'). Initiating cancellation.`,
    );
    this.name = "FunctionTimeoutException";
  }
}

export class Invoker {
  readonly #registry: CoreRegistry;
  readonly #log: LogLine;
  readonly #appHookData: Record<string, unknown> = {};
  readonly #timeoutMs: number | undefined;
  /** Invocations that ran past functionTimeout (tests read it). */
  readonly timeouts: string[] = [];

  constructor(
    registry: CoreRegistry,
    log: LogLine,
    options: { functionTimeoutMs?: number | undefined } = {},
  ) {
    this.#registry = registry;
    this.#log = log;
    this.#timeoutMs = options.functionTimeoutMs;
  }

  get appHookData(): Record<string, unknown> {
    return this.#appHookData;
  }

  async invoke(
    fn: RegisteredFunction,
    request: InvocationRequest,
    label: InvocationLabel = {},
  ): Promise<RpcInvocationResponse> {
    const started = performance.now();
    const name = fn.metadata.name;
    try {
      const response = await this.#withTimeout(name, this.#run(fn, request));
      if (!label.quietSuccess) this.#log(invocationLine(name, label, "Succeeded", started), "verbose");
      return response;
    } catch (error) {
      const message = error instanceof Error ? error.message.split("\n\n$OutOfProcData$")[0] : String(error);
      this.#log(`${invocationLine(name, label, "Failed", started)}: ${message}`);
      throw error;
    }
  }

  /**
   * functionTimeout as the host enforces it: past the timeout the invocation fails with the host's
   * message (a durable activity is then retried by its policy). The real host also restarts the worker
   * process, which stops the function's work; in one process that cannot be done, so the late work goes
   * on unobserved: apps must stop themselves before the timeout (this one budgets each step).
   */
  #withTimeout<T>(name: string, work: Promise<T>): Promise<T> {
    const timeoutMs = this.#timeoutMs;
    if (timeoutMs === undefined) return work;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new FunctionTimeoutError(name, timeoutMs, randomUUID());
        this.timeouts.push(name);
        reject(error);
      }, timeoutMs);
    });
    work.catch(() => {}); // its failure after a timeout was already reported as the timeout
    return Promise.race([work, expired]).finally(() => clearTimeout(timer));
  }

  async #run(fn: RegisteredFunction, request: InvocationRequest): Promise<RpcInvocationResponse> {
    const model = this.#registry.programmingModel;
    if (!model) throw new Error("The app did not set a programming model (is @azure/functions loaded?)");
    const functionName = fn.metadata.name;
    const coreCtx = {
      invocationId: randomUUID(),
      request: {
        inputData: request.inputData,
        triggerMetadata: request.triggerMetadata ?? {},
        traceContext: { traceParent: undefined, traceState: undefined, attributes: {} },
        retryContext: undefined,
      },
      metadata: { ...fn.metadata, functionId: functionName },
      state: "preInvocationHooks" as string,
      log: (level: string, category: string, message: string) => {
        // The app's one-per-step structured events (src/app/stepEvents.ts) are for Application Insights
        // and tests: in the terminal they are verbose, or `npm start` would print a line per step.
        const lineLevel = message.startsWith("StepEvent ") ? "verbose" : "info";
        if (category === "user") this.#log(`  [${functionName}] ${level}: ${message}`, lineLevel);
        else if (level === "error" || level === "warning") this.#log(`  [${functionName}] ${message}`);
      },
    };
    const invocation = model.getInvocationModel(coreCtx);
    const { context, inputs } = await invocation.getArguments();
    const hookData: Record<string, unknown> = {};
    const pre: Record<string, unknown> = {
      hookData,
      appHookData: this.#appHookData,
      invocationContext: context,
      functionCallback: fn.handler,
      inputs,
    };
    for (const hook of this.#registry.hooksFor("preInvocation")) await hook(pre);
    coreCtx.state = "invocation";
    const post: Record<string, unknown> = {
      hookData,
      appHookData: this.#appHookData,
      invocationContext: context,
      inputs: pre.inputs,
    };
    try {
      post.result = await invocation.invokeFunction(
        context,
        pre.inputs as unknown[],
        pre.functionCallback as typeof fn.handler,
      );
    } catch (error) {
      post.error = error;
    }
    coreCtx.state = "postInvocationHooks";
    for (const hook of this.#registry.hooksFor("postInvocation")) await hook(post);
    if (post.error !== undefined && post.error !== null) throw post.error;
    return invocation.getResponse(context, post.result);
  }
}

function invocationLine(name: string, label: InvocationLabel, outcome: string, started: number): string {
  const instance = label.instanceId ? ` (instance ${label.instanceId})` : "";
  return `Executed '${name}'${instance} ${outcome} in ${Math.round(performance.now() - started)}ms`;
}

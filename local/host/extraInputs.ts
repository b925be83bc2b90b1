// Builds the input data for a function's non-trigger input bindings (the durable client binding is
// the one the local runtime supports), in the worker's RpcTypedData shape.
import type { RegisteredFunction, RpcBinding } from "./coreShim";
import type { RpcParameterBinding } from "./invoker";

export function extraInputsFor(
  fn: RegisteredFunction,
  provide: (binding: RpcBinding) => unknown,
): RpcParameterBinding[] {
  const inputs: RpcParameterBinding[] = [];
  for (const [name, binding] of Object.entries(fn.metadata.bindings)) {
    if (binding.direction !== "in" || binding.type.toLowerCase().endsWith("trigger")) continue;
    const value = provide(binding);
    if (value === undefined) continue;
    inputs.push({ name, data: { string: typeof value === "string" ? value : JSON.stringify(value) } });
  }
  return inputs;
}

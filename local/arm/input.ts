// Validation of request bodies and names, before any work: a bad value gets ARM's 400 naming the
// property, and nothing changes.
import { ArmError, invalidParameter } from "./errors";

export type Json = Record<string, unknown>;

export function object(value: unknown, target: string): Json {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw invalidParameter(target, `Property '${target}' must be an object.`);
  }
  return value as Json;
}

export function optionalString(value: unknown, target: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw invalidParameter(target, `Property '${target}' must be a string.`);
  return value;
}

export function oneOf<T extends string>(
  value: unknown,
  target: string,
  allowed: readonly T[],
): T | undefined {
  const text = optionalString(value, target);
  if (text === undefined) return undefined;
  const found = allowed.find((a) => a.toLowerCase() === text.toLowerCase());
  if (found === undefined) {
    throw invalidParameter(
      target,
      `The value '${text}' of parameter '${target}' is not allowed. Allowed values are '${allowed.join("', '")}'.`,
    );
  }
  return found;
}

export function optionalInteger(
  value: unknown,
  target: string,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) {
    throw invalidParameter(target, `Property '${target}' must be an integer between ${min} and ${max}.`);
  }
  return value;
}

export function required<T>(value: T | undefined, target: string): T {
  if (value === undefined) {
    throw invalidParameter(target, `Required parameter '${target}' is missing (null).`);
  }
  return value;
}

export function tags(value: unknown): Record<string, string> {
  const bag = object(value, "tags");
  const out: Record<string, string> = {};
  for (const [name, tag] of Object.entries(bag)) {
    if (typeof tag !== "string") throw invalidParameter("tags", `Tag '${name}' must have a string value.`);
    out[name] = tag;
  }
  return out;
}

/** Disk and snapshot names: letters, digits, `_`, `-` and `.`, at most 80 characters. */
export function resourceName(name: string, type: string): string {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,79}$/.test(name) || name.endsWith(".")) {
    throw new ArmError(
      400,
      "InvalidResourceName",
      `The resource name '${name}' for type '${type}' is invalid: use letters, digits, '_', '-' and '.', at most 80 characters.`,
    );
  }
  return name;
}

/** Resource group names: letters, digits, `_`, `-`, `.`, `(`, `)`, at most 90, not ending in `.`. */
export function resourceGroupName(name: string): string {
  if (!/^[-\w._()]{1,90}$/.test(name) || name.endsWith(".")) {
    throw new ArmError(400, "InvalidResourceGroupName", `The resource group name '${name}' is invalid.`);
  }
  return name;
}

export function location(value: unknown, expected: string, type: string): string {
  const text = optionalString(value, "location");
  if (text === undefined) {
    throw new ArmError(400, "LocationRequired", "The location property is required for this definition.");
  }
  if (text.replace(/\s/g, "").toLowerCase() !== expected.toLowerCase()) {
    throw new ArmError(
      400,
      "LocationNotAvailableForResourceType",
      `The provided location '${text}' is not available for resource type '${type}'. List of available regions for the resource type is '${expected}'.`,
    );
  }
  return expected;
}

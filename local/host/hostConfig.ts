// Reads the parts of host.json the local runtime honours and resolves %SETTING% placeholders,
// as the Functions host does for binding expressions and extension options.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

export interface HostConfig {
  routePrefix: string;
  hubName: string;
  maxConcurrentActivityFunctions: number;
  maxConcurrentOrchestratorFunctions: number;
  /** host.json `functionTimeout` (or the AzureFunctionsJobHost__functionTimeout setting); none: unbounded. */
  functionTimeoutMs: number | undefined;
}

/** A TimeSpan as host.json writes it: `hh:mm:ss`, optionally `d.hh:mm:ss` and fractions. */
export function parseTimeSpan(text: string): number | undefined {
  const match = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(text.trim());
  if (!match) return undefined;
  const [, days, h, m, s, fraction] = match;
  const seconds = ((Number(days ?? 0) * 24 + Number(h)) * 60 + Number(m)) * 60 + Number(s);
  return seconds * 1000 + Math.round(Number(`0.${fraction ?? "0"}`) * 1000);
}

/** Replaces every %NAME% with the named setting; unknown names are an error, as in the host. */
export function resolveSettingExpression(
  value: string,
  settings: Record<string, string | undefined>,
): string {
  return value.replace(/%([^%]+)%/g, (_match, name: string) => {
    const resolved = settings[name];
    if (resolved === undefined) throw new Error(`Setting "${name}" referenced by "${value}" is not defined`);
    return resolved;
  });
}

interface HostJson {
  functionTimeout?: string | null;
  extensions?: {
    http?: { routePrefix?: string };
    durableTask?: {
      hubName?: string;
      maxConcurrentActivityFunctions?: number;
      maxConcurrentOrchestratorFunctions?: number;
    };
  };
}

export function readHostConfig(appRoot: string, settings: Record<string, string | undefined>): HostConfig {
  const file = path.join(appRoot, "host.json");
  const json: HostJson = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as HostJson) : {};
  const durable = json.extensions?.durableTask ?? {};
  const hub = durable.hubName ? resolveSettingExpression(durable.hubName, settings) : "TestHubName";
  // The host lets app settings override host.json, `AzureFunctionsJobHost__` + the path.
  const timeoutText = settings.AzureFunctionsJobHost__functionTimeout ?? json.functionTimeout ?? undefined;
  const functionTimeoutMs = timeoutText ? parseTimeSpan(timeoutText) : undefined;
  if (timeoutText && functionTimeoutMs === undefined) {
    throw new Error(`functionTimeout "${timeoutText}" is not a TimeSpan (hh:mm:ss)`);
  }
  // Cores × 10 is the extension's default for both throttles.
  return {
    functionTimeoutMs,
    routePrefix: (json.extensions?.http?.routePrefix ?? "api").replace(/^\/+|\/+$/g, ""),
    hubName: hub,
    maxConcurrentActivityFunctions: durable.maxConcurrentActivityFunctions ?? 20,
    maxConcurrentOrchestratorFunctions: durable.maxConcurrentOrchestratorFunctions ?? 20,
  };
}

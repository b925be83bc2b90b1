// Reads the parts of host.json the local runtime honours and resolves %SETTING% placeholders,
// as the Functions host does for binding expressions and extension options.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

export interface HostConfig {
  routePrefix: string;
  hubName: string;
  maxConcurrentActivityFunctions: number;
  maxConcurrentOrchestratorFunctions: number;
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
  // Cores × 10 is the extension's default for both throttles.
  return {
    routePrefix: (json.extensions?.http?.routePrefix ?? "api").replace(/^\/+|\/+$/g, ""),
    hubName: hub,
    maxConcurrentActivityFunctions: durable.maxConcurrentActivityFunctions ?? 20,
    maxConcurrentOrchestratorFunctions: durable.maxConcurrentOrchestratorFunctions ?? 20,
  };
}

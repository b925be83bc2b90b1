// Seeded, reproducible fault injection: per matching request, each rule fires with its rate.
import { mulberry32 } from "../prng";
import type { OperationKind } from "./proxy/classify";

export interface FaultRule {
  operations?: string[];
  pathPrefix?: string;
  /** The rule ignores requests whose query has any of these parameters (e.g. `snapshot`). */
  exceptQuery?: string[];
  /** The rule fires at most this many times (then matches nothing): exact, seed-independent faults. */
  limit?: number;
  rate: number;
  /** `permissionDenied`: 403 AuthorizationPermissionMismatch, as an RBAC role or ABAC condition refuses. */
  kind: "serverBusy" | "operationTimedOut" | "dropConnection" | "permissionDenied" | "latency";
  latencyMs?: number;
}

export interface FaultDecision {
  latencyMs: number;
  terminal: "serverBusy" | "operationTimedOut" | "dropConnection" | "permissionDenied" | undefined;
}

const DEFAULT_SEED = 20240229;

export function validateFaultRules(value: unknown): FaultRule[] {
  if (!Array.isArray(value)) throw new Error("rules must be an array");
  const kinds = new Set(["serverBusy", "operationTimedOut", "dropConnection", "permissionDenied", "latency"]);
  return value.map((raw, index) => {
    const rule = raw as Partial<FaultRule> | null;
    if (rule === null || typeof rule !== "object") throw new Error(`rule ${index} is not an object`);
    if (typeof rule.rate !== "number" || rule.rate < 0 || rule.rate > 1)
      throw new Error(`rule ${index}: rate not in 0..1`);
    if (typeof rule.kind !== "string" || !kinds.has(rule.kind))
      throw new Error(`rule ${index}: unknown kind`);
    return { ...rule } as FaultRule;
  });
}

interface FaultScope {
  rules: FaultRule[];
  /** Times each rule (by index) has fired. */
  fired: number[];
  random: () => number;
  counts: Record<string, number>;
}

/**
 * Fault rules live in scopes: PUT without a scope replaces the default scope; a test that passes
 * its own scope (for example its container path) replaces only its rules and gets its own seeded
 * sequence and counts, so parallel test files do not disturb each other.
 */
export class FaultInjector {
  private readonly scopes = new Map<string, FaultScope>();

  constructor(rules: FaultRule[] = [], seed?: number) {
    this.configure(rules, seed);
  }

  /** Replaces the scope's rules and restarts its random sequence (and counts) from the seed. */
  configure(rules: FaultRule[], seed = DEFAULT_SEED, scope = ""): void {
    if (rules.length === 0 && scope !== "") this.scopes.delete(scope);
    else this.scopes.set(scope, { rules, fired: rules.map(() => 0), random: mulberry32(seed), counts: {} });
  }

  /** Counts by fault kind for one scope, or summed over all scopes. */
  faultCounts(scope?: string): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, state] of this.scopes) {
      if (scope !== undefined && name !== scope) continue;
      for (const [kind, n] of Object.entries(state.counts)) out[kind] = (out[kind] ?? 0) + n;
    }
    return out;
  }

  decide(kind: OperationKind, path: string, query?: URLSearchParams): FaultDecision {
    const decision: FaultDecision = { latencyMs: 0, terminal: undefined };
    for (const state of this.scopes.values()) {
      for (const [index, rule] of state.rules.entries()) {
        if (rule.limit !== undefined && (state.fired[index] ?? 0) >= rule.limit) continue;
        if (rule.operations !== undefined && !rule.operations.includes(kind)) continue;
        if (rule.pathPrefix !== undefined && !path.startsWith(rule.pathPrefix)) continue;
        if (rule.exceptQuery?.some((name) => query?.has(name))) continue;
        if (state.random() >= rule.rate) continue;
        state.fired[index] = (state.fired[index] ?? 0) + 1;
        state.counts[rule.kind] = (state.counts[rule.kind] ?? 0) + 1;
        if (rule.kind === "latency") {
          decision.latencyMs += rule.latencyMs ?? 100;
          continue;
        }
        decision.terminal = rule.kind;
        return decision;
      }
    }
    return decision;
  }
}

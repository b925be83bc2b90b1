// Seeded, reproducible fault injection: per matching request, each rule fires with its rate.
import type { OperationKind } from "./proxy/classify";

export interface FaultRule {
  operations?: string[];
  pathPrefix?: string;
  rate: number;
  kind: "serverBusy" | "operationTimedOut" | "dropConnection" | "latency";
  latencyMs?: number;
}

export interface FaultDecision {
  latencyMs: number;
  terminal: "serverBusy" | "operationTimedOut" | "dropConnection" | undefined;
}

const DEFAULT_SEED = 20240229;

/** mulberry32: tiny, fast, and good enough to make fault sequences reproducible from a seed. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function validateFaultRules(value: unknown): FaultRule[] {
  if (!Array.isArray(value)) throw new Error("rules must be an array");
  const kinds = new Set(["serverBusy", "operationTimedOut", "dropConnection", "latency"]);
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

export class FaultInjector {
  private rules: FaultRule[] = [];
  private random: () => number = mulberry32(DEFAULT_SEED);
  private counts: Record<string, number> = {};

  constructor(rules: FaultRule[] = [], seed?: number) {
    this.configure(rules, seed);
  }

  /** Replaces the rules and restarts the random sequence (and the counts) from the seed. */
  configure(rules: FaultRule[], seed = DEFAULT_SEED): void {
    this.rules = rules;
    this.random = mulberry32(seed);
    this.counts = {};
  }

  faultCounts(): Record<string, number> {
    return { ...this.counts };
  }

  decide(kind: OperationKind, path: string): FaultDecision {
    const decision: FaultDecision = { latencyMs: 0, terminal: undefined };
    for (const rule of this.rules) {
      if (rule.operations !== undefined && !rule.operations.includes(kind)) continue;
      if (rule.pathPrefix !== undefined && !path.startsWith(rule.pathPrefix)) continue;
      if (this.random() >= rule.rate) continue;
      this.counts[rule.kind] = (this.counts[rule.kind] ?? 0) + 1;
      if (rule.kind === "latency") {
        decision.latencyMs += rule.latencyMs ?? 100;
        continue;
      }
      decision.terminal = rule.kind;
      break;
    }
    return decision;
  }
}

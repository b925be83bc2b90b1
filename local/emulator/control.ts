// Typed client of the emulator's control API (stats, faults), for tests and benchmarks.
import type { FaultRule } from "./faults";
import type { PremiumLimits } from "./premium";
import type { EmulatorStats } from "./stats";
import type { ThrottleCounts, ThrottleProfile } from "./throttle";

export type { EmulatorStats, OperationStats } from "./stats";

export interface EmulatorControlOptions {
  /**
   * Fault scope used when a call names none. Default: one scope per client process, so test files
   * (each in its own vitest fork) replace and count only their own fault rules. Pass "" to act on
   * the emulator's default scope (the one EMULATOR_FAULTS and scope-less HTTP calls use).
   */
  faultScope?: string;
}

export class EmulatorControl {
  private readonly faultScope: string;

  constructor(
    private readonly blobBaseUrl: string,
    options: EmulatorControlOptions = {},
  ) {
    this.faultScope = options.faultScope ?? `process-${process.pid}`;
  }

  private async call(
    method: string,
    path: string,
    prefix?: string,
    body?: unknown,
    scope?: string,
  ): Promise<unknown> {
    const url = new URL(path, this.blobBaseUrl);
    if (prefix !== undefined) url.searchParams.set("prefix", prefix);
    if (scope !== undefined) url.searchParams.set("scope", scope);
    const response = await fetch(url, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`emulator control ${method} ${path}: ${response.status} ${text}`);
    return text === "" ? undefined : JSON.parse(text);
  }

  async getStats(prefix?: string): Promise<EmulatorStats> {
    return (await this.call("GET", "/__emulator/stats", prefix)) as EmulatorStats;
  }
  async resetStats(prefix?: string): Promise<void> {
    await this.call("POST", "/__emulator/stats/reset", prefix);
  }
  /**
   * Replaces the fault rules of a scope (default: this client's), which get their own seeded
   * sequence and counts; rules of other scopes stay in force.
   */
  async setFaults(rules: FaultRule[], seed?: number, scope = this.faultScope): Promise<void> {
    await this.call("PUT", "/__emulator/faults", undefined, { rules, seed, scope });
  }
  /** Injected-fault counts by kind in a scope (default: this client's). */
  async getFaultCounts(scope = this.faultScope): Promise<Record<string, number>> {
    return (await this.call("GET", "/__emulator/faults", undefined, undefined, scope)) as Record<
      string,
      number
    >;
  }
  /** How the diffs under `prefix` were answered: journal, forced compare, or compare fallback. */
  async getDiffStrategies(prefix?: string): Promise<{ journal: number; compare: number; fallback: number }> {
    return (await this.call("GET", "/__emulator/diff-stats", prefix)) as {
      journal: number;
      compare: number;
      fallback: number;
    };
  }
  /**
   * Sets the diff strategy for request paths starting with `pathPrefix` (default: every path):
   * "journal" (service semantics, content compare as fallback) or "compare" (always compare).
   */
  async setDiffMode(mode: "journal" | "compare", pathPrefix = ""): Promise<void> {
    await this.call("PUT", "/__emulator/diff-mode", undefined, { mode, prefix: pathPrefix });
  }
  /**
   * Switches the Azure-shaped throttle profile on (`"azure"` or fields overriding it) or off; the whole
   * emulator is affected, so only a test or benchmark that owns its emulator should call it.
   */
  async setThrottle(profile: "azure" | "off" | Partial<ThrottleProfile>): Promise<void> {
    const body = typeof profile === "string" ? { profile } : profile;
    await this.call("PUT", "/__emulator/throttle", undefined, body);
  }
  /** The profile in force and what it admitted and refused under `prefix` since the last stats reset. */
  async getThrottle(prefix?: string): Promise<{ profile: ThrottleProfile | null; counts: ThrottleCounts }> {
    return (await this.call("GET", "/__emulator/throttle", prefix)) as {
      profile: ThrottleProfile | null;
      counts: ThrottleCounts;
    };
  }
  /**
   * How long every later Copy Blob into a blob under `prefix` stays pending (its data in place, its
   * status `pending`, writes and snapshots of the destination refused with 409); 0, the default,
   * completes copies at once.
   */
  async setCopyPending(delayMs: number, prefix = ""): Promise<void> {
    await this.call("PUT", "/__emulator/copy-pending", undefined, { delayMs, prefix });
  }

  /** The premium account's snapshot limits (omitted fields: the service's values). */
  async setPremiumLimits(limits: Partial<PremiumLimits>): Promise<void> {
    await this.call("PUT", "/__emulator/premium", undefined, limits);
  }
}

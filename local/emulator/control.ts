// Typed client of the emulator's control API (stats, faults), for tests and benchmarks.
import type { FaultRule } from "./faults";
import type { EmulatorStats } from "./stats";

export type { EmulatorStats, OperationStats } from "./stats";

export class EmulatorControl {
  constructor(private readonly blobBaseUrl: string) {}

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
   * Replaces the fault rules. With a `scope` (for example the test's container path) only the
   * rules set under that scope are replaced, with their own seeded sequence and counts.
   */
  async setFaults(rules: FaultRule[], seed?: number, scope?: string): Promise<void> {
    await this.call("PUT", "/__emulator/faults", undefined, { rules, seed, scope });
  }
  /** Injected-fault counts by kind: of one scope, or of all scopes when none is given. */
  async getFaultCounts(scope?: string): Promise<Record<string, number>> {
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
}

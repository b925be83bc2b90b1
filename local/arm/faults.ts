// Injected failures for the app's tests (control API): the next N requests of an operation fail
// either at once (an HTTP error, e.g. 429 or 500) or as a long-running operation that ends Failed.
import { ArmError } from "./errors";

export interface FaultRule {
  /** Operation name as counted in stats, e.g. "snapshots.createOrUpdate". */
  operation: string;
  /** "http": answered at once with `status`; "lroFailed": 202, then the operation reports Failed. */
  kind: "http" | "lroFailed";
  status?: number;
  code?: string;
  message?: string;
  /** Seconds in Retry-After (http faults). */
  retryAfter?: number;
  /** How many requests fail (default 1). */
  count?: number;
}

export class Faults {
  private rules: (FaultRule & { left: number })[] = [];

  set(rules: unknown): void {
    if (!Array.isArray(rules)) throw new ArmError(400, "InvalidParameter", "rules must be an array.");
    this.rules = rules.map((raw: unknown) => {
      const rule = raw as FaultRule;
      if (typeof rule?.operation !== "string" || (rule.kind !== "http" && rule.kind !== "lroFailed")) {
        throw new ArmError(400, "InvalidParameter", "Each rule needs operation and kind (http | lroFailed).");
      }
      return { ...rule, left: rule.count ?? 1 };
    });
  }

  /** The fault for this request of `operation`, consuming one, or undefined. */
  take(operation: string): { kind: FaultRule["kind"]; error: ArmError } | undefined {
    const rule = this.rules.find((r) => r.operation === operation && r.left > 0);
    if (rule === undefined) return undefined;
    rule.left -= 1;
    const status = rule.status ?? (rule.kind === "http" ? 500 : 409);
    const headers = rule.retryAfter === undefined ? {} : { "retry-after": String(rule.retryAfter) };
    const error = new ArmError(
      status,
      rule.code ?? (status === 429 ? "TooManyRequests" : "InternalServerError"),
      rule.message ?? `Injected fault for ${operation}.`,
      headers,
    );
    return { kind: rule.kind, error };
  }
}

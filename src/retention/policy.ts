// The retention policy (setting RETENTION): which restore points to keep, as grandfather-father-son rules
// over UTC periods plus the N newest. Pure parsing and printing; the decision itself is in decide.ts.
import { fail, ok, type Result } from "../app/result";

/** The period rules, finest first; `last` counts points, the others count periods. */
export const RULE_NAMES = ["last", "hourly", "daily", "weekly", "monthly", "yearly"] as const;
export type PolicyRule = (typeof RULE_NAMES)[number];

/** How many of each to keep; a rule left out keeps nothing by itself. */
export type RetentionPolicy = Partial<Record<PolicyRule, number>>;

/** Largest count accepted: far more periods than any disk lives, small enough to stay exact. */
const MAX_COUNT = 1_000_000;

/** What GET /api/disks says when RETENTION is unset. */
export const KEEP_EVERYTHING = "keep everything";

/**
 * Parses `last=N hourly=N daily=N weekly=N monthly=N yearly=N`: any subset, in any order, separated by
 * spaces and/or commas. Empty text is no policy (`null`: keep everything). Errors say what is wrong.
 */
export function parseRetention(text: string | undefined): Result<RetentionPolicy | null, string> {
  if ((text ?? "").trim() === "") return ok(null);
  const tokens = (text ?? "").split(/[\s,]+/).filter((t) => t.length > 0);
  if (tokens.length === 0) return fail(`lists no rule (rules: ${RULE_NAMES.join(", ")})`);
  const policy: RetentionPolicy = {};
  for (const token of tokens) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(token);
    if (!match) return fail(`"${token}" is not rule=N (rules: ${RULE_NAMES.join(", ")})`);
    const name = (match[1] ?? "").toLowerCase() as PolicyRule;
    const value = match[2] ?? "";
    if (!RULE_NAMES.includes(name)) {
      return fail(`unknown rule "${match[1]}" (rules: ${RULE_NAMES.join(", ")})`);
    }
    if (policy[name] !== undefined) return fail(`rule "${name}" is given twice`);
    if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > MAX_COUNT) {
      return fail(`${name}=${value}: the count must be a whole number from 1 to ${MAX_COUNT}`);
    }
    policy[name] = Number(value);
  }
  return ok(policy);
}

/** The policy as canonical text (rules in fixed order), or "keep everything". */
export function describePolicy(policy: RetentionPolicy | null): string {
  if (policy === null) return KEEP_EVERYTHING;
  return RULE_NAMES.filter((r) => policy[r] !== undefined)
    .map((r) => `${r}=${policy[r]}`)
    .join(" ");
}

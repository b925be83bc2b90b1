// Waitable failures (service limits) through the step helper and the in-process stand-in: each is waited
// out with a timer of its retryAfterMs and the step called again, as many times as its code allows
// (WAIT_LIMITS, else MAX_WAITS), then its failure stands; a limit that lifts lets the step succeed.
import { describe, expect, it } from "vitest";
import type { ActivityTable } from "../../src/activities/table";
import {
  ARM_CONFLICT,
  ARM_THROTTLED,
  SNAPSHOT_ACCESS_LIMITED,
  SNAPSHOT_PENDING,
  SNAPSHOT_RATE_LIMITED,
  SOURCE_NOT_SUPPORTED,
  WAIT_LIMITS,
} from "../../src/app/codes";
import { createAppContext } from "../../src/app/context";
import { noDurable } from "../../src/app/instances";
import { CodedError } from "../../src/app/result";
import { loadSettings } from "../../src/config/settings";
import { runInProcess } from "../../src/direct/runtime";
import { failureOf } from "../../src/orchestrations/failures";
import type { Step } from "../../src/orchestrations/names";
import { MAX_WAITS, stepsOf } from "../../src/orchestrations/steps";

interface LimitSteps {
  limited: Step<{ code: string; liftsAfter: number }, string>;
}

const app = createAppContext(
  loadSettings({
    BACKUP_SOURCES: "http://127.0.0.1:1/acct/src",
    BACKUP_TARGET: "http://127.0.0.1:1/bak/backups",
    LINEAGE_TABLE: "http://127.0.0.1:2/bak/lineage",
  }),
  { log: () => {} },
);

async function calls(code: string, liftsAfter: number) {
  let n = 0;
  const waits: number[] = [];
  const table: ActivityTable<LimitSteps> = {
    limited: async (_env, input) => {
      n++;
      if (n > input.liftsAfter) return `ok after ${n}`;
      throw new CodedError(input.code, `limited (${n})`, { retryAfterMs: 7 });
    },
  };
  const outcome = await runInProcess(
    function* (rt) {
      const wrapped = {
        ...rt,
        wait: (ms: number) => {
          waits.push(ms);
          return rt.wait(ms);
        },
      };
      try {
        return yield* stepsOf<LimitSteps>(wrapped).call("limited", { code, liftsAfter });
      } catch (error) {
        return failureOf(error);
      }
    },
    table,
    { app, durable: noDurable },
    undefined,
    { instanceId: "limits", retryDelayScale: 0 },
  );
  return { n, waits, outcome };
}

describe("waitable failures", () => {
  it.each([
    [SNAPSHOT_RATE_LIMITED, MAX_WAITS],
    [ARM_THROTTLED, MAX_WAITS],
    [SNAPSHOT_PENDING, WAIT_LIMITS[SNAPSHOT_PENDING]],
    [SNAPSHOT_ACCESS_LIMITED, WAIT_LIMITS[SNAPSHOT_ACCESS_LIMITED]],
    [ARM_CONFLICT, 3],
  ])("waits out %s %i times with its retryAfterMs, then its failure stands", async (code, limit) => {
    const { n, waits, outcome } = await calls(code, 1000);
    expect(n).toBe((limit ?? 0) + 1);
    expect(waits).toHaveLength(limit ?? 0);
    expect(waits.every((ms) => ms === 7)).toBe(true);
    expect(outcome).toMatchObject({ code, message: `limited (${n})` });
  });

  it("goes on when the limit lifts, and never waits for a final refusal", async () => {
    expect((await calls(SNAPSHOT_ACCESS_LIMITED, 2)).outcome).toBe("ok after 3");
    const refused = await calls(SOURCE_NOT_SUPPORTED, 5);
    expect(refused.n).toBe(1);
    expect(refused.waits).toEqual([]);
  });
});

// The step helper and the in-process stand-in, on a toy procedure with pure step bodies: values come
// back typed, final coded failures are data (not retried), other failures are retried by the policy and
// then surface as StepFailed, a group fails only after all its calls settled, and payloads are JSON.
import { describe, expect, it } from "vitest";
import { type ActivityTable, runStep } from "../../src/activities/table";
import { createAppContext } from "../../src/app/context";
import { noDurable } from "../../src/app/instances";
import { CodedError } from "../../src/app/result";
import { loadSettings } from "../../src/config/settings";
import { runInProcess } from "../../src/direct/runtime";
import { failureOf, reasonOf, STEP_FAILED, StepFailure } from "../../src/orchestrations/failures";
import type { Step } from "../../src/orchestrations/names";
import { type ProcedureRuntime, type Steps, stepsOf, windowsOf } from "../../src/orchestrations/steps";

interface ToySteps {
  double: Step<number, number>;
  refuse: Step<string, never>;
  flaky: Step<{ key: string; failures: number }, string>;
  when: Step<{ at: Date }, string>;
}

const app = createAppContext(
  loadSettings({
    BACKUP_SOURCES: "http://127.0.0.1:1/acct/src",
    BACKUP_TARGET: "http://127.0.0.1:1/bak/backups",
    LINEAGE_TABLE: "http://127.0.0.1:2/bak/lineage",
  }),
  { log: () => {} },
);

function toyTable(calls: string[]): ActivityTable<ToySteps> {
  const attempts = new Map<string, number>();
  return {
    double: async (_env, n) => {
      calls.push(`double ${n}`);
      if (n < 0) throw new Error(`negative ${n}`);
      return n * 2;
    },
    refuse: async (_env, why) => {
      calls.push(`refuse ${why}`);
      throw new CodedError("Refused", `no: ${why}`);
    },
    flaky: async (_env, { key, failures }) => {
      const n = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, n);
      calls.push(`flaky ${key} ${n}`);
      if (n <= failures) throw new CodedError("Busy", "try again", { final: false });
      return `${key} after ${n}`;
    },
    when: async (_env, { at }) => typeof at,
  };
}

function run<T>(procedure: (rt: ProcedureRuntime) => Steps<T>, calls: string[]) {
  return runInProcess(procedure, toyTable(calls), { app, durable: noDurable }, undefined, {
    instanceId: "toy",
    retryDelayScale: 0,
  });
}

describe("step helper through the in-process stand-in", () => {
  it("returns typed values, runs windows in order and reports each value", async () => {
    const calls: string[] = [];
    const seen: number[] = [];
    const out = await run(function* (rt) {
      const steps = stepsOf<ToySteps>(rt);
      const one = yield* steps.call("double", 21);
      const many = yield* steps.windows("double", windowsOf([1, 2, 3, 4, 5], 2), (v) => seen.push(v));
      return { one, many };
    }, calls);
    expect(out).toEqual({ one: 42, many: [2, 4, 6, 8, 10] });
    expect(seen).toEqual([2, 4, 6, 8, 10]);
    expect(calls[0]).toBe("double 21");
    expect(calls).toHaveLength(6);
  });

  it("turns a final coded failure into a StepFailure with its code, without retrying", async () => {
    const calls: string[] = [];
    const failure = await run(function* (rt) {
      try {
        yield* stepsOf<ToySteps>(rt).call("refuse", "because");
        return null;
      } catch (error) {
        return failureOf(error);
      }
    }, calls);
    expect(failure).toEqual({ code: "Refused", message: "no: because" });
    expect(calls).toEqual(["refuse because"]);
  });

  it("retries other failures with the policy, then reports StepFailed with the message", async () => {
    const calls: string[] = [];
    const out = await run(function* (rt) {
      const steps = stepsOf<ToySteps>(rt);
      const recovered = yield* steps.call("flaky", { key: "a", failures: 2 });
      try {
        yield* steps.call("double", -1);
      } catch (error) {
        return { recovered, failure: failureOf(error), isStepFailure: error instanceof StepFailure };
      }
      return { recovered };
    }, calls);
    expect(out).toEqual({
      recovered: "a after 3",
      failure: { code: STEP_FAILED, message: "negative -1" },
      isStepFailure: true,
    });
    expect(calls.filter((c) => c === "double -1")).toHaveLength(3);
  });

  it("fails a group only after every call in it has settled", async () => {
    const calls: string[] = [];
    const failure = await run(function* (rt) {
      try {
        yield* stepsOf<ToySteps>(rt).group("double", [1, -2, 3]);
        return null;
      } catch (error) {
        return failureOf(error);
      }
    }, calls);
    expect(failure?.code).toBe(STEP_FAILED);
    expect(calls.filter((c) => c === "double 1")).toHaveLength(1);
    expect(calls.filter((c) => c === "double 3")).toHaveLength(1);
  });

  it("passes payloads through JSON, as the durable boundary does", async () => {
    const out = await run(function* (rt) {
      return yield* stepsOf<ToySteps>(rt).call("when", { at: new Date(0) });
    }, []);
    expect(out).toBe("string");
  });
});

describe("runStep and failure reasons", () => {
  it("wraps values, keeps final coded failures as data and rethrows the rest", async () => {
    expect(await runStep(async () => 7)).toEqual({ ok: true, value: 7 });
    expect(await runStep(async () => Promise.reject(new CodedError("X", "final")))).toEqual({
      ok: false,
      error: { code: "X", message: "final" },
    });
    await expect(
      runStep(async () => Promise.reject(new CodedError("Y", "again", { final: false }))),
    ).rejects.toThrow("again");
    await expect(runStep(async () => Promise.reject(new Error("plain")))).rejects.toThrow("plain");
  });

  it("shortens durable failure messages to one line without the function prefix", () => {
    expect(reasonOf(new Error("Activity function 'copyBackupBatch' failed: boom\n  at x"))).toBe("boom");
    expect(reasonOf(new Error("Sub-orchestration 'backupDisk' failed: child broke"))).toBe("child broke");
    expect(reasonOf("plain text")).toBe("plain text");
    expect(reasonOf(new Error(""))).toBe("unknown failure");
    expect(reasonOf(new Error("x".repeat(2000)))).toHaveLength(1000);
    expect(failureOf(new Error("Orchestrator function 'o' failed: bug"))).toEqual({
      code: "OrchestrationFailed",
      message: "bug",
    });
  });
});

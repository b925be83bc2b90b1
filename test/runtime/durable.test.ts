// End-to-end durable behaviour through the local runtime: orchestrations started and observed over
// HTTP (the fixture's starter and the public webhooks) and through the SDK's DurableClient.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  call,
  type FixtureHost,
  type Status,
  startFixtureHost,
  startViaHttp,
  waitForStatus,
} from "./fixtureHost";

let host: FixtureHost;

beforeAll(async () => {
  host = await startFixtureHost();
});
afterAll(async () => {
  await host?.stop();
});

type Events = Record<string, unknown>[];

async function historyOf(id: string): Promise<Events> {
  const url = `${host.baseUrl}/runtime/webhooks/durabletask/instances/${encodeURIComponent(id)}?showHistory=true&showHistoryOutput=true`;
  const { json } = await call(url);
  return (json as Status).historyEvents ?? [];
}

const types = (events: Events) => events.map((e) => e.EventType);

describe("durable orchestrations", () => {
  it("fans out 60 activities with retries, within maxConcurrentActivityFunctions", async () => {
    const links = await startViaHttp(host, "fanOut", { count: 60 });
    const status = await waitForStatus(links.statusQueryGetUri ?? "");
    expect(status.runtimeStatus).toBe("Completed");
    expect(status.output).toEqual({ sum: (59 * 60) / 2, count: 60 });
    const probes = (await call(`${host.baseUrl}/api/probes`)).json as {
      activityRuns: Record<string, number>;
      activityMaxInFlight: number;
    };
    const runs = Object.entries(probes.activityRuns).filter(([k]) => k.startsWith(`${links.id}:`));
    expect(runs).toHaveLength(60);
    // Items 3, 13, ..., 53 fail once: 6 retries on top of 60 first attempts.
    expect(runs.reduce((n, [, v]) => n + v, 0)).toBe(66);
    expect(probes.activityMaxInFlight).toBeLessThanOrEqual(8);
    const history = await historyOf(links.id ?? "");
    expect(types(history).filter((t) => t === "TaskScheduled")).toHaveLength(66);
    expect(types(history).filter((t) => t === "TimerCreated")).toHaveLength(6);
    expect(types(history).filter((t) => t === "TaskFailed")).toHaveLength(6);
  });

  it("runs sub-orchestrations with explicit ids and reports a failing child to the parent", async () => {
    const links = await startViaHttp(host, "parent", null, "family-1");
    const status = await waitForStatus(links.statusQueryGetUri ?? "");
    expect(status.runtimeStatus).toBe("Completed");
    const output = status.output as { results: unknown[]; failure: string };
    expect(output.results).toEqual([
      { child: "family-1:c1", doubled: 2 },
      { child: "family-1:c2", doubled: 4 },
      { child: "family-1:c3", doubled: 6 },
    ]);
    expect(output.failure).toContain("Orchestrator function 'failing' failed");
    expect(output.failure).toContain("always fails: uncaught");
    const child = await call(`${host.baseUrl}/runtime/webhooks/durabletask/instances/family-1%3Ac2`);
    expect((child.json as Status).runtimeStatus).toBe("Completed");
    const bad = await call(`${host.baseUrl}/runtime/webhooks/durabletask/instances/family-1%3Abad`);
    expect((bad.json as Status).runtimeStatus).toBe("Failed");
  });

  it("fails an orchestration on an uncaught activity failure", async () => {
    const links = await startViaHttp(host, "failing", null);
    const status = await waitForStatus(links.statusQueryGetUri ?? "");
    expect(status.runtimeStatus).toBe("Failed");
    expect(String(status.output)).toMatch(
      /^Orchestrator function 'failing' failed: Activity function 'alwaysFails' failed/,
    );
  });

  it("performs retries as durable timers, including the timer after the last attempt", async () => {
    const links = await startViaHttp(host, "retryExhausted", null);
    const status = await waitForStatus(links.statusQueryGetUri ?? "");
    expect(status.runtimeStatus).toBe("Completed");
    expect((status.output as { caught: string }).caught).toContain("Activity function 'alwaysFails' failed");
    const scheduled = (await historyOf(links.id ?? "")).filter((e) =>
      ["TaskScheduled", "TaskFailed", "TimerCreated", "TimerFired"].includes(String(e.EventType)),
    );
    expect(scheduled.map((e) => `${e.EventType}#${e.EventId ?? e.ScheduledId}`)).toEqual([
      "TaskScheduled#0",
      "TaskFailed#0",
      "TimerCreated#1",
      "TimerFired#1",
      "TaskScheduled#2",
      "TaskFailed#2",
      "TimerCreated#3",
      "TimerFired#3",
    ]);
  });

  it("delivers external events through the DurableClient and keeps custom status", async () => {
    const links = await startViaHttp(host, "approval", null, "approve-1");
    await waitForStatus(links.statusQueryGetUri ?? "", (s) => s.customStatus === "waiting");
    const raised = await call(`${host.baseUrl}/api/ops/raise/approve-1?event=Approve`, {
      method: "POST",
      body: JSON.stringify({ by: "alice" }),
    });
    expect(raised.status).toBe(202);
    const status = await waitForStatus(links.statusQueryGetUri ?? "");
    expect(status.runtimeStatus).toBe("Completed");
    expect(status.output).toEqual({ approved: { by: "alice" } });
    expect(status.customStatus).toBe("approved");
    const viaClient = await call(`${host.baseUrl}/api/ops/status/approve-1`);
    expect((viaClient.json as Status).runtimeStatus).toBe("Completed");
    const unknown = await call(`${host.baseUrl}/api/ops/status/no-such-instance`);
    expect(unknown.status).toBe(404);
  });

  it("continues as new with fresh executions until done", async () => {
    const links = await startViaHttp(host, "counter", 0);
    const status = await waitForStatus(links.statusQueryGetUri ?? "");
    expect(status.runtimeStatus).toBe("Completed");
    expect(status.output).toEqual({ final: 2, echoed: { received: "tick-2", type: "string" } });
    expect(status.input).toBe(2);
    expect(status.customStatus).toEqual({ generation: 2 });
    const history = await historyOf(links.id ?? "");
    expect(types(history).filter((t) => t === "ExecutionStarted")).toHaveLength(1);
  });

  it("splits a long timer into 3-day timers, as the extension does", async () => {
    const links = await startViaHttp(host, "longTimer", null);
    const status = await waitForStatus(links.statusQueryGetUri ?? "", (s) => s.runtimeStatus === "Running");
    expect(status.runtimeStatus).toBe("Running");
    let timers: Events = [];
    for (let i = 0; i < 100 && timers.length === 0; i++) {
      timers = (await historyOf(links.id ?? "")).filter((e) => e.EventType === "TimerCreated");
      if (timers.length === 0) await new Promise((r) => setTimeout(r, 50));
    }
    const started = (await historyOf(links.id ?? "")).find((e) => e.EventType === "ExecutionStarted");
    const delta = Date.parse(String(timers[0]?.FireAt)) - Date.parse(String(started?.Timestamp));
    expect(timers).toHaveLength(1);
    expect(Math.round(delta / 3_600_000)).toBe(72);
    const terminated = await call(`${host.baseUrl}/api/ops/terminate/${links.id}`, { method: "POST" });
    expect(terminated.status).toBe(202);
    const final = await waitForStatus(links.statusQueryGetUri ?? "");
    expect(final.runtimeStatus).toBe("Terminated");
    expect(final.output).toBe("stopped by test");
  });

  it("catches a non-deterministic orchestrator", async () => {
    const links = await startViaHttp(host, "nonDeterministic", null, "nd-1");
    await waitForStatus(links.statusQueryGetUri ?? "", (s) => s.runtimeStatus === "Running");
    // Wait until the first activity has completed, so the next episode replays TaskScheduled#0 'echo'.
    for (let i = 0; i < 200; i++) {
      if ((await historyOf("nd-1")).some((e) => e.EventType === "TaskCompleted")) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    await call(`${host.baseUrl}/api/probes/flip`, { method: "POST" });
    await call(`${host.baseUrl}/api/ops/raise/nd-1?event=go`, { method: "POST", body: "true" });
    const status = await waitForStatus(links.statusQueryGetUri ?? "");
    expect(status.runtimeStatus).toBe("Failed");
    expect(String(status.output)).toContain("Non-Deterministic workflow detected");
    expect(String(status.output)).toContain("named 'echo'");
    expect(String(status.output)).toContain("'double'");
  });

  it("replaces a running instance when a sub-orchestration starts its id, as Azure Storage does; rejects startNew on it", async () => {
    // A client start of a running id is refused (HTTP 500 from the extension's API, as in Azure).
    const waiting = await startViaHttp(host, "approval", null, "busy-child");
    await waitForStatus(waiting.statusQueryGetUri ?? "", (s) => s.runtimeStatus === "Running");
    const again = await call(`${host.baseUrl}/api/orchestrators/approval/busy-child`, {
      method: "POST",
      body: "",
    });
    expect(again.status).toBe(500);
    // Two parents start the same child id: each start replaces the running child (a new execution) and
    // nobody is told. The last parent gets the new execution's result; the first one waits forever.
    const replacements = () =>
      host.logs.filter((l) => l.includes("'busy-child'") && l.includes("replaced by a new execution")).length;
    const first = await startViaHttp(host, "fixedChild", "busy-child");
    for (let i = 0; i < 200 && replacements() < 1; i++) await new Promise((r) => setTimeout(r, 25));
    const second = await startViaHttp(host, "fixedChild", "busy-child");
    for (let i = 0; i < 200 && replacements() < 2; i++) await new Promise((r) => setTimeout(r, 25));
    expect(replacements()).toBe(2);
    await waitForStatus(waiting.statusQueryGetUri ?? "", (s) => s.customStatus === "waiting");
    const raised = await call(
      `${host.baseUrl}/runtime/webhooks/durabletask/instances/busy-child/raiseEvent/Approve`,
      { method: "POST", body: JSON.stringify("yes") },
    );
    expect(raised.status).toBe(202);
    const done = await waitForStatus(second.statusQueryGetUri ?? "");
    expect(done.runtimeStatus).toBe("Completed");
    expect(done.output).toEqual({ result: { approved: "yes" } });
    const stuck = (await call(first.statusQueryGetUri ?? "")).json as Status;
    expect(stuck.runtimeStatus).toBe("Running");
    await call(`${host.baseUrl}/runtime/webhooks/durabletask/instances/${first.id}/terminate?reason=test`, {
      method: "POST",
      body: "",
    });
  });

  it("terminates and purges through the public webhook URLs", async () => {
    const links = await startViaHttp(host, "approval", null, "purge-me");
    await waitForStatus(links.statusQueryGetUri ?? "", (s) => s.runtimeStatus === "Running");
    const running = await call(links.statusQueryGetUri ?? "");
    expect(running.status).toBe(202);
    expect(running.headers.get("location")).toBe(links.statusQueryGetUri);
    const terminate = (links.terminatePostUri ?? "").replace("{text}", "enough");
    expect((await call(terminate, { method: "POST" })).status).toBe(202);
    const done = await waitForStatus(links.statusQueryGetUri ?? "");
    expect(done.runtimeStatus).toBe("Terminated");
    expect((await call(links.statusQueryGetUri ?? "")).status).toBe(200);
    expect((await call(terminate, { method: "POST" })).status).toBe(410);
    const purged = await call(`${host.baseUrl}/api/ops/purge/purge-me`, { method: "DELETE" });
    expect(purged.json).toEqual({ instancesDeleted: 1 });
    expect((await call(links.statusQueryGetUri ?? "")).status).toBe(404);
  });

  it("buffers an external event raised before the orchestrator waits for it", async () => {
    const links = await startViaHttp(host, "lateListener", null, "late-1");
    const raise = (links.sendEventPostUri ?? "").replace("{eventName}", "Ping");
    expect((await call(raise, { method: "POST", body: JSON.stringify({ n: 1 }) })).status).toBe(202);
    const status = await waitForStatus(links.statusQueryGetUri ?? "");
    expect(status.output).toEqual({ ping: { n: 1 } });
  });

  it("retries a failing sub-orchestration with durable timers between attempts", async () => {
    const links = await startViaHttp(host, "subRetry", null, "subretry-1");
    const status = await waitForStatus(links.statusQueryGetUri ?? "");
    expect(status.runtimeStatus).toBe("Completed");
    expect((status.output as { caught: string }).caught).toContain("Orchestrator function 'failing' failed");
    const relevant = (await historyOf("subretry-1")).filter((e) =>
      String(e.EventType).match(/SubOrch|Timer/),
    );
    expect(relevant.map((e) => `${e.EventType}#${e.EventId ?? e.ScheduledId}`)).toEqual([
      "SubOrchestrationInstanceCreated#0",
      "SubOrchestrationInstanceFailed#0",
      "TimerCreated#1",
      "TimerFired#1",
      "SubOrchestrationInstanceCreated#2",
      "SubOrchestrationInstanceFailed#2",
      "TimerCreated#3",
      "TimerFired#3",
    ]);
  });

  it("gives activities their durable client input binding", async () => {
    const links = await startViaHttp(host, "selfAware", null, "self-1");
    const status = await waitForStatus(links.statusQueryGetUri ?? "");
    expect(status.output).toBe("Running");
  });

  it("logs one line per invocation with function, instance, duration and outcome", () => {
    const line = host.logs.find((l) => l.startsWith("Executed 'flaky' (instance ") && l.includes("Failed"));
    expect(line).toMatch(/^Executed 'flaky' \(instance [0-9a-f]+\) Failed in \d+ms: flaky /);
    expect(
      host.logs.some((l) => /^Executed 'fanOut' \(instance [0-9a-f]+\) Succeeded in \d+ms$/.test(l)),
    ).toBe(true);
  });
});

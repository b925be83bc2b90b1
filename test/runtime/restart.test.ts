// Durability: instance state kept in Table storage (the test emulator); stopping the host mid-run and
// starting a new one resumes the instance, re-running in-flight activities and re-arming timers.
import { afterEach, expect, it } from "vitest";
import { testEmulator, uniqueName } from "../support/emulator";
import {
  call,
  type FixtureHost,
  type Status,
  startFixtureHost,
  startViaHttp,
  waitForStatus,
} from "./fixtureHost";

let host: FixtureHost | undefined;

afterEach(async () => {
  await host?.stop();
});

async function startTableHost(hubName: string): Promise<FixtureHost> {
  const connectionString = testEmulator().connectionString("devstoreaccount1");
  return startFixtureHost({ durableStore: { kind: "table", connectionString, hubName } });
}

async function runsOf(h: FixtureHost, instanceId: string): Promise<number[]> {
  const probes = (await call(`${h.baseUrl}/api/probes`)).json as { activityRuns: Record<string, number> };
  return Object.entries(probes.activityRuns)
    .filter(([key]) => key.startsWith(`${instanceId}:`))
    .map(([, runs]) => runs);
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

it("resumes an orchestration after two host restarts (in-flight activities, then a pending timer)", async () => {
  const hub = uniqueName("rt");
  host = await startTableHost(hub);
  const links = await startViaHttp(host, "slowFan", null, "resume-1");
  const first = host;
  await until(async () => (await runsOf(first, "resume-1")).length === 6, "the six slow activities to start");
  await host.stop();

  host = await startTableHost(hub);
  expect(host.logs.some((l) => l.includes("loaded 1 instance(s)"))).toBe(true);
  const second = host;
  const statusUrl = `${second.baseUrl}/runtime/webhooks/durabletask/instances/resume-1`;
  await until(async () => {
    const { json } = await call(`${statusUrl}?showHistory=true`);
    return ((json as Status).historyEvents ?? []).some((e) => e.EventType === "TimerCreated");
  }, "the durable timer to be created");
  // Every activity that was in flight at the first stop ran again (at least once).
  expect(await runsOf(second, "resume-1")).toEqual([2, 2, 2, 2, 2, 2]);
  await host.stop();

  host = await startTableHost(hub);
  const status = await waitForStatus(`${host.baseUrl}/runtime/webhooks/durabletask/instances/resume-1`);
  expect(status.runtimeStatus).toBe("Completed");
  expect(status.output).toEqual({
    keys: [0, 1, 2, 3, 4, 5].map((i) => `resume-1:${i}`),
    last: 42,
  });
  expect(await runsOf(host, "resume-1")).toEqual([2, 2, 2, 2, 2, 2]);
  expect(links.id).toBe("resume-1");
});

it("keeps finished instances and purges them from the tables", async () => {
  const hub = uniqueName("rt");
  host = await startTableHost(hub);
  const links = await startViaHttp(host, "counter", 0, "kept-1");
  await waitForStatus(links.statusQueryGetUri ?? "");
  await host.stop();

  host = await startTableHost(hub);
  const url = `${host.baseUrl}/runtime/webhooks/durabletask/instances/kept-1`;
  const kept = await call(url);
  expect((kept.json as Status).runtimeStatus).toBe("Completed");
  expect((kept.json as Status).output).toEqual({ final: 2, echoed: { received: "tick-2", type: "string" } });
  expect((await call(url, { method: "DELETE" })).json).toEqual({ instancesDeleted: 1 });
  await host.stop();

  host = await startTableHost(hub);
  expect((await call(`${host.baseUrl}/runtime/webhooks/durabletask/instances/kept-1`)).status).toBe(404);
});

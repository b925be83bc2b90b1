// How a backup run waits for its disks, through the real backupRun orchestrator and the real durable
// replay (stand-in disk backups from the fixture app): it ends as soon as its last disk tells it (no poll
// timer fires), and it never waits longer than its wait limit, reporting a slower disk as still running.
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

type Events = Array<{ EventType: string; Name?: string }>;

async function historyOf(id: string): Promise<Events> {
  const url = `${host.baseUrl}/runtime/webhooks/durabletask/instances/${encodeURIComponent(id)}?showHistory=true`;
  return ((await call(url)).json as Status & { historyEvents?: Events }).historyEvents ?? [];
}

interface RunOutput {
  disks: Array<{ diskId: string; status: string; reason: string }>;
}

describe("backup run waiting for its disks", () => {
  it("ends when its last disk reports, without waiting for a poll", async () => {
    const links = await startViaHttp(host, "backupRun", { trigger: "http", disks: ["a-300", "b-700"] });
    const status = await waitForStatus(links.statusQueryGetUri ?? "");
    expect(status.runtimeStatus).toBe("Completed");
    const output = status.output as RunOutput;
    expect(output.disks.map((d) => [d.diskId, d.status])).toEqual([
      ["a-300", "skipped"],
      ["b-700", "skipped"],
    ]);
    const history = await historyOf(links.id ?? "");
    expect(history.filter((e) => e.EventType === "EventRaised")).toHaveLength(2);
    // the first poll is due after 2 s: both disks ended before it, and the run did not wait for it
    expect(history.filter((e) => e.EventType === "TimerFired")).toHaveLength(0);
  });

  it("ends when a disk's event lands while the run is polling progress", async () => {
    // The first poll fires at 2 s and takes 1 s; the disk tells the run at ~2.3 s (during the poll) and
    // ends 3 s later. The run must take the event it got while polling, not wait for its next poll.
    const links = await startViaHttp(host, "backupRun", { trigger: "http", disks: ["race-2300-3000"] });
    const status = await waitForStatus(links.statusQueryGetUri ?? "");
    expect(status.runtimeStatus).toBe("Completed");
    expect((status.output as RunOutput).disks.map((d) => [d.diskId, d.status])).toEqual([
      ["race-2300-3000", "skipped"],
    ]);
    const history = await historyOf(links.id ?? "");
    expect(history.filter((e) => e.EventType === "EventRaised")).toHaveLength(1);
    expect(history.filter((e) => e.EventType === "TimerFired")).toHaveLength(1);
    // the run ended before its disk did (the disk ends 3 s after its event)
    expect(history.some((e) => e.EventType === "SubOrchestrationInstanceCompleted")).toBe(false);
  });

  it("stops waiting at its wait limit and reports the slower disk as still running", async () => {
    const links = await startViaHttp(host, "backupRun", {
      trigger: "http",
      disks: ["quick-200", "slow-600000"],
    });
    const status = await waitForStatus(links.statusQueryGetUri ?? "");
    expect(status.runtimeStatus).toBe("Completed");
    const output = status.output as RunOutput;
    expect(output.disks.find((d) => d.diskId === "quick-200")?.status).toBe("skipped");
    const slow = output.disks.find((d) => d.diskId === "slow-600000");
    expect(slow?.status).toBe("running");
    expect(slow?.reason).toMatch(/still running after the run's wait limit/);
    const history = await historyOf(links.id ?? "");
    expect(history.filter((e) => e.EventType === "TimerFired").length).toBeGreaterThan(0);
    // the slow disk's backup goes on by itself after the run ended
    const child = `backup:slow-600000:${links.id}`;
    const childStatus = (
      await call(`${host.baseUrl}/runtime/webhooks/durabletask/instances/${encodeURIComponent(child)}`)
    ).json as Status;
    expect(childStatus.runtimeStatus).toBe("Running");
    await call(
      `${host.baseUrl}/runtime/webhooks/durabletask/instances/${encodeURIComponent(child)}/terminate?reason=test`,
      {
        method: "POST",
        body: "",
      },
    );
  });
});

// What `npm start` prints by default: runs starting, progress that moves (bytes, rate, time left,
// summed over sub-orchestrations), results and failures with their reason; LOG_LEVEL and start errors.
import { describe, expect, it } from "vitest";
import type { InstanceRecord } from "../../local/durable/instance";
import { startProgressReporter } from "../../local/progress";
import { logLevelFrom, startFailureMessage } from "../../local/start";

const MiB = 1024 * 1024;
const T0 = Date.parse("2026-01-01T00:00:00Z");

function record(fields: Partial<InstanceRecord> & { instanceId: string; name: string }): InstanceRecord {
  return {
    version: "",
    executionId: "e",
    status: "Running",
    input: null,
    output: null,
    customStatus: null,
    createdTime: new Date(T0 + 1000).toISOString(),
    lastUpdatedTime: new Date(T0 + 1000).toISOString(),
    parent: null,
    history: [],
    inbox: [],
    activities: [],
    timers: [],
    children: [],
    ...fields,
  };
}

function childOf(parentId: string, id: string, status: object): InstanceRecord {
  return record({
    instanceId: id,
    name: "backupDisk",
    customStatus: JSON.stringify(status),
    parent: {
      Name: "backupRun",
      Version: "",
      TaskScheduleId: 0,
      OrchestrationInstance: { InstanceId: parentId, ExecutionId: "e" },
    },
  });
}

describe("progress reporter", () => {
  it("prints a run's start, moving progress from its children, and its result", () => {
    const lines: string[] = [];
    let all: InstanceRecord[] = [];
    const reporter = startProgressReporter(
      () => all,
      (l) => lines.push(l),
      { since: T0, intervalMs: 3_600_000 },
    );
    const run = record({
      instanceId: "run1aaaabbbbccccdddd",
      name: "backupRun",
      customStatus: '{"phase":"begin"}',
    });
    all = [run, childOf(run.instanceId, "c1", { phase: "copy", bytesTotal: 100 * MiB, bytesDone: 0 })];
    reporter.tick(T0 + 2000);
    all = [
      run,
      childOf(run.instanceId, "c1", { phase: "copy", bytesTotal: 100 * MiB, bytesDone: 40 * MiB }),
      childOf(run.instanceId, "c2", { phase: "copy", bytesTotal: 100 * MiB, bytesDone: 20 * MiB }),
    ];
    reporter.tick(T0 + 4000);
    reporter.tick(T0 + 5000); // nothing moved: no new line
    const output = {
      disks: [
        {
          diskId: "disk-a",
          status: "completed",
          restorePoint: { restorePointId: "rp-1", kind: "full", changedBytes: 100 * MiB },
        },
        { diskId: "disk-b", status: "failed", reason: "AuthorizationPermissionMismatch" },
      ],
    };
    all = [
      {
        ...run,
        status: "Completed",
        output: JSON.stringify(output),
        lastUpdatedTime: new Date(T0 + 9000).toISOString(),
      },
    ];
    reporter.tick(T0 + 9000);
    reporter.stop();
    expect(lines).toEqual([
      "backupRun run1aaaa: started (instance run1aaaabbbbccccdddd)",
      "backupRun run1aaaa: copy 0.0 / 100 MiB (0%)",
      // 60 MiB of 200 in the 2 s since the copy phase was first seen: 30 MiB/s, 140 MiB left.
      "backupRun run1aaaa: copy 60 / 200 MiB (30%), 30 MiB/s, about 5 s left",
      "backupRun run1aaaa: completed with 1 failed disk(s) in 8 s",
      "  disk-a: restore point rp-1 (full, 100 MiB copied)",
      "  disk-b: failed: AuthorizationPermissionMismatch",
    ]);
  });

  it("says why a run failed, stays silent about finished history, and reports a resumed run", () => {
    const lines: string[] = [];
    const old = record({
      instanceId: "old",
      name: "backupRun",
      status: "Completed",
      createdTime: new Date(T0 - 60_000).toISOString(),
      lastUpdatedTime: new Date(T0 - 50_000).toISOString(),
    });
    const resumed = record({
      instanceId: "resumed",
      name: "restoreDisk",
      createdTime: new Date(T0 - 10_000).toISOString(),
      customStatus: JSON.stringify({ phase: "verify", bytesTotal: 8 * MiB, bytesDone: 2 * MiB }),
    });
    let all = [old, resumed];
    const reporter = startProgressReporter(
      () => all,
      (l) => lines.push(l),
      { since: T0, intervalMs: 3_600_000 },
    );
    reporter.tick(T0 + 1000);
    all = [
      old,
      {
        ...resumed,
        status: "Failed",
        output: JSON.stringify("Verification failed at byte 4096: the restored disk differs"),
        lastUpdatedTime: new Date(T0 + 2000).toISOString(),
      },
    ];
    reporter.tick(T0 + 2000);
    reporter.stop();
    expect(lines).toEqual([
      "restoreDisk resumed: resumed (instance resumed)",
      "restoreDisk resumed: verify 2.0 / 8.0 MiB (25%)",
      "restoreDisk resumed: FAILED after 12 s: Verification failed at byte 4096: the restored disk differs",
    ]);
  });
});

describe("npm start settings", () => {
  it("reads LOG_LEVEL as info (default) or verbose and names it when it is wrong", () => {
    expect(logLevelFrom(undefined)).toBe("info");
    expect(logLevelFrom(" Verbose ")).toBe("verbose");
    expect(() => logLevelFrom("debug")).toThrow(/LOG_LEVEL must be info or verbose, not "debug"/);
  });

  it("turns a busy port into one plain sentence", () => {
    const busy = Object.assign(new Error("listen EADDRINUSE"), { code: "EADDRINUSE", port: 10000 });
    expect(startFailureMessage(busy)).toMatch(/^Port 10000 is in use: is another `npm start`/);
  });
});

// The revert goal row and finding: judged on the loopback rounds as the issue sets it, with the same
// rounds under the Azure-shaped profile shown beside them (and absent for runs made before they were).
import { describe, expect, it } from "vitest";
import type { Measurement } from "../../bench/bench";
import type { BenchRun } from "../../bench/model";
import { issue16Findings } from "../../bench/report/findings";
import { evaluateGoals } from "../../bench/report/goals";
import { revertSection } from "../../bench/report/sections";
import type { RevertCase } from "../../bench/scenarios/revert";

function run(task: string, seconds: number, ratio?: number, roundRatios?: string): Measurement {
  return {
    scenario: "12 revert",
    label: task,
    task,
    seconds,
    bytes: 0,
    mibps: 0,
    requests: { putPage: 20 },
    bytesWritten: 655360,
    bytesRead: 0,
    peakRssMiB: 100,
    cpuSeconds: 1,
    details: {
      revert: 1,
      writtenBytes: 655360,
      changedBytes: 655360,
      ...(roundRatios ? { roundRatios } : {}),
    },
    ratios: ratio === undefined ? {} : { timeVsBackup: ratio },
  };
}

function revertCase(label: string, loopback: number, azure?: number): RevertCase {
  return {
    label,
    provisionedBytes: 2 ** 30,
    changedBytes: 655360,
    backup: run("appBackupDirect", 0.2),
    revert: run("appRestoreDirect", 0.2 * loopback, loopback, "1.1 1.2 1.3"),
    full: run("appRestoreDirect", 1, 5),
    ...(azure === undefined
      ? {}
      : {
          azure: {
            backup: run("appBackupDirect", 0.45),
            revert: run("appRestoreDirect", 0.45 * azure, azure, "1.30 1.39 1.47"),
          },
        }),
  };
}

const goalOf = (r: BenchRun) => evaluateGoals(r, []).find((g) => g.goal.startsWith("Revert by diff"))!;

describe("the revert goal with its Azure-shaped rounds", () => {
  it("judges on the loopback rounds and shows the Azure-shaped ratios beside them", () => {
    const r = {
      wallSeconds: 1,
      revert: { cases: [revertCase("1 GiB", 1.32, 1.47), revertCase("64 GiB", 1.74, 1.39)] },
    };
    const goal = goalOf(r as unknown as BenchRun);
    expect(goal.measured).toBe("1 GiB: 1.32×; 64 GiB: 1.74×; Azure-shaped: 1 GiB 1.47×, 64 GiB 1.39×");
    expect(goal.status).toBe("missed");
    const finding = issue16Findings(r as unknown as BenchRun, []).find((t) => t?.startsWith("- **Revert"))!;
    expect(finding).toContain(
      "Under the Azure-shaped profile (10 ms per request, each blob paced): 1 GiB: backup 0.45 s",
    );
    expect(finding).toContain("(1.47×; rounds 1.30 1.39 1.47)");
    const section = revertSection(r as unknown as BenchRun).join("\n");
    expect(section).toContain("| 64 GiB, Azure-shaped: revert in place |");
    expect(section).toContain("all rounds' ratios: 1 GiB 1.30 1.39 1.47; 64 GiB 1.30 1.39 1.47)");
  });

  it("says nothing of the profile for runs made before it was measured", () => {
    const r = { wallSeconds: 1, revert: { cases: [revertCase("1 GiB", 1.32), revertCase("64 GiB", 1.4)] } };
    const goal = goalOf(r as unknown as BenchRun);
    expect(goal.measured).toBe("1 GiB: 1.32×; 64 GiB: 1.40×");
    expect(goal.status).toBe("met");
    expect(revertSection(r as unknown as BenchRun).join("\n")).not.toContain("Azure-shaped");
  });
});

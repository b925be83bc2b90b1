// The bench's figures against a plain copy run in turns with ours: the median of the rounds, and the goal
// rows that show them beside the ceiling's ratio while judging on the latter, as the issue set them.
import { describe, expect, it } from "vitest";
import type { Measurement } from "../../bench/bench";
import { median } from "../../bench/median";
import type { BenchRun } from "../../bench/model";
import { issue16Findings } from "../../bench/report/findings";
import { evaluateGoals } from "../../bench/report/goals";

function measurement(scenario: string, task: string, extra: Partial<Measurement>): Measurement {
  return {
    scenario,
    label: task,
    task,
    seconds: 1,
    bytes: 128 * 2 ** 20,
    mibps: 128,
    requests: {},
    bytesWritten: 0,
    bytesRead: 0,
    peakRssMiB: 100,
    cpuSeconds: 1,
    details: {},
    ratios: {},
    ...extra,
  };
}

describe("median", () => {
  it("is the middle of the sorted values, the upper middle for an even count, 0 for none", () => {
    expect(median([0.86, 1.05, 1.01])).toBe(1.01);
    expect(median([3, 1, 2, 4])).toBe(3);
    expect(median([])).toBe(0);
  });
});

describe("goals against a plain copy in turns", () => {
  const first = measurement("2 first", "ourBackup", {
    mibps: 117,
    ratios: { ofCeiling: 0.51, ofPlainCopyInTurns: 0.94 },
  });
  const restore = measurement("7 restore", "appRestoreDirect", {
    seconds: 1.89,
    details: { usableSeconds: 1.21, bytesCompared: 128 * 2 ** 20 },
    ratios: {
      usableOfCeiling: 0.46,
      timeVsOneCopy: 3.39,
      usableOfSameStateCopy: 1.03,
      timeVsSameStateCopy: 1.51,
    },
  });
  const run = {
    wallSeconds: 1,
    ceiling: {
      putPageFromUrl: { mibps: 230, concurrency: 2 },
      putPage: { mibps: 216, concurrency: 2 },
      smallPutPageFromUrl: { requestsPerSecond: 424, concurrency: 8 },
    },
    backups: { first, firstOptimumWrites: 64, naiveFullFirst: first, windows: [] },
  } as unknown as BenchRun;
  const goals = evaluateGoals(run, [first, restore]);
  const row = (start: string) => goals.find((g) => g.goal.startsWith(start))!;

  it("shows the share of the plain copy beside the ceiling's, and judges on the ceiling", () => {
    expect(row("Backup throughput").measured).toBe("117 MiB/s = 51%; 94% of a plain copy in turns with it");
    expect(row("Backup throughput").status).toBe("missed");
    expect(row("Restore: the restored disk usable").measured).toBe(
      "46% (target written in 1.21 s); 103% of a plain copy in turns with it",
    );
    expect(row("Restore: whole restore").measured).toBe(
      "3.39× (1.89 s); 1.51× a plain copy in turns with it",
    );
    expect(row("Restore: whole restore").status).toBe("missed");
  });

  it("shows the copy followed by a plain read of both sides, measured in the same rounds", () => {
    const withRead = measurement("7 restore", "appRestoreDirect", {
      ...restore,
      ratios: {
        ...restore.ratios,
        timeVsSameStateCopy: 2.36,
        copyThenReadInTurns: 2.21,
        timeVsCopyThenRead: 1.07,
      },
    });
    const goal = evaluateGoals(run, [first, withRead]).find((g) =>
      g.goal.startsWith("Restore: whole restore"),
    )!;
    expect(goal.measured).toBe(
      "3.39× (1.89 s); 2.36× a plain copy in turns with it (that copy followed by a plain read of both sides: 2.21×)",
    );
    expect(goal.status).toBe("missed");
    const finding = issue16Findings(run, [first, withRead]).find((t) => t?.startsWith("- **Restore.**"))!;
    expect(finding).toContain("nothing hashed) took 2.21× the copy, and the whole restore 1.07× that");
    expect(finding).toContain("Reading both sides took longer than the copy itself there");
    const reachable = { ...withRead, ratios: { ...withRead.ratios, copyThenReadInTurns: 1.9 } };
    expect(issue16Findings(run, [first, reachable]).join("\n")).toContain(
      "2× is within reach, by the margin",
    );
  });

  it("says nothing of a plain copy for runs made before it was measured", () => {
    delete first.ratios.ofPlainCopyInTurns;
    const older = evaluateGoals(run, [first, restore]);
    expect(older.find((g) => g.goal.startsWith("Backup throughput"))!.measured).toBe("117 MiB/s = 51%");
  });
});

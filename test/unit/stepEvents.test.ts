// The one structured event per step run: ids found in the payloads of backup and restore steps, bytes from
// the output, the outcome of runStep (succeeded, failed as data, thrown), and the log line round trip.
import { describe, expect, it } from "vitest";
import { runStep, type StepEnd } from "../../src/activities/table";
import { CodedError } from "../../src/app/result";
import { findField, formatStepEvent, parseStepEvent, stepEventOf } from "../../src/app/stepEvents";

const run = { diskId: "acct-vhds-a-vhd-12345678", restorePointId: "20260101T000000Z-aaaaaaaa", runId: "r1" };

describe("stepEventOf", () => {
  it("finds the disk, restore point and run of a backup copy batch, and the bytes it copied", () => {
    const event = stepEventOf({
      procedure: "backup",
      step: "copyBackupBatch",
      input: { run: { ...run, sourceUrl: "u", parentRestorePointId: "older" }, batch: 3 },
      durationMs: 12.6,
      result: { outcome: "succeeded", value: { bytesCopied: 4096, bytesCleared: 512, requests: 2 } },
    });
    expect(event).toEqual({
      procedure: "backup",
      step: "copyBackupBatch",
      outcome: "succeeded",
      diskId: run.diskId,
      restorePointId: run.restorePointId,
      runId: "r1",
      bytes: 4096,
      durationMs: 13,
      code: null,
      reason: null,
    });
  });

  it("finds ids two levels down in a restore batch and bytes one level down in a restore's output", () => {
    const batch = stepEventOf({
      procedure: "restore",
      step: "restoreCopyBatch",
      input: { copy: { phase: "restore", run: { ...run, newRestorePointId: "new" } }, batch: 0 },
      durationMs: 1,
      result: { outcome: "succeeded", value: { bytesCopied: 8 } },
    });
    expect(batch).toMatchObject({
      diskId: run.diskId,
      restorePointId: run.restorePointId,
      runId: "r1",
      bytes: 8,
    });
    const complete = stepEventOf({
      procedure: "restore",
      step: "restoreComplete",
      input: { run },
      durationMs: 1,
      result: { outcome: "succeeded", value: { diskId: "new-disk", verification: { bytesCompared: 99 } } },
    });
    expect(complete).toMatchObject({ diskId: run.diskId, bytes: 99 });
  });

  it("takes ids from the output when the input has none, and prefers bytes done over bytes planned", () => {
    const event = stepEventOf({
      procedure: "backup",
      step: "x",
      input: null,
      durationMs: 0,
      result: { outcome: "succeeded", value: { ...run, changedBytes: 5, bytesCopied: 3 } },
    });
    expect(event).toMatchObject({ diskId: run.diskId, bytes: 3 });
  });

  it("carries a final failure's code and message, a thrown error's message, and what a fail step records", () => {
    const failed = stepEventOf({
      procedure: "restore",
      step: "restoreVerify",
      input: { run },
      durationMs: 1,
      result: { outcome: "failed", failure: { code: "VerificationFailed", message: "differs at 4096" } },
    });
    expect(failed).toMatchObject({
      outcome: "failed",
      code: "VerificationFailed",
      reason: "differs at 4096",
      bytes: null,
    });
    const thrown = stepEventOf({
      procedure: "backup",
      step: "planDiskBackup",
      input: run,
      durationMs: 1,
      result: { outcome: "error", error: new Error("503 ServerBusy") },
    });
    expect(thrown).toMatchObject({ outcome: "error", code: null, reason: "503 ServerBusy" });
    const backupFail = stepEventOf({
      procedure: "backup",
      step: "failDiskBackup",
      input: { run, mode: "full", reason: "lease held" },
      durationMs: 1,
      result: { outcome: "succeeded", value: {} },
    });
    expect(backupFail).toMatchObject({ outcome: "succeeded", reason: "lease held", code: null });
    const restoreFail = stepEventOf({
      procedure: "restore",
      step: "restoreFail",
      input: { run, failure: { code: "TargetLeased", message: "leased" } },
      durationMs: 1,
      result: { outcome: "succeeded", value: null },
    });
    expect(restoreFail).toMatchObject({ code: "TargetLeased", reason: "leased", diskId: run.diskId });
  });

  it("walks breadth first and stops at the depth given", () => {
    expect(findField({ a: { diskId: "deep" }, diskId: "top" }, "diskId", 3)).toBe("top");
    expect(findField({ a: { b: { c: { diskId: "x" } } } }, "diskId", 2)).toBeUndefined();
    expect(findField({ a: { b: { c: { diskId: "x" } } } }, "diskId", 3)).toBe("x");
    expect(findField([{ diskId: "in an array" }], "diskId", 3)).toBeUndefined();
  });
});

describe("the log line", () => {
  it("round-trips through the host's line prefix, and ignores other lines", () => {
    const event = stepEventOf({
      procedure: "backup",
      step: "beginDiskBackup",
      input: run,
      durationMs: 5,
      result: { outcome: "succeeded", value: {} },
    });
    const line = `  [beginDiskBackup] information: ${formatStepEvent(event)}`;
    expect(line).not.toContain("\n");
    expect(parseStepEvent(line)).toEqual(event);
    expect(parseStepEvent("Executed 'beginDiskBackup' Succeeded in 3ms")).toBeUndefined();
    expect(parseStepEvent("StepEvent {not json")).toBeUndefined();
  });
});

describe("runStep", () => {
  it("tells its observer how each run ended, once", async () => {
    const seen: StepEnd[] = [];
    const observe = (end: StepEnd, ms: number) => {
      expect(ms).toBeGreaterThanOrEqual(0);
      seen.push(end);
    };
    await expect(runStep(async () => 7, observe)).resolves.toEqual({ ok: true, value: 7 });
    await expect(
      runStep(async () => {
        throw new CodedError("Refused", "no");
      }, observe),
    ).resolves.toEqual({ ok: false, error: { code: "Refused", message: "no" } });
    await expect(
      runStep(async () => {
        throw new Error("busy");
      }, observe),
    ).rejects.toThrow("busy");
    expect(seen.map((s) => s.outcome)).toEqual(["succeeded", "failed", "error"]);
  });
});

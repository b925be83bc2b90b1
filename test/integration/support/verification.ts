// What the verification tests share: an app context with a verification share and chunk size of their
// own, and a backup through the in-process procedure (whose rolling verification follows) in it.
import { expect } from "vitest";
import { type AppContext, createAppContext, type Tuning } from "../../../src/app/context";
import { runDiskBackupDirect } from "../../../src/direct/backup";
import { diskFor, type Harness } from "./harness";

/** The harness's context with VERIFY_PERCENT `verifyPercent`, no retention, and `tuning` over its own. */
export function verificationContext(h: Harness, verifyPercent: number, tuning: Partial<Tuning>): AppContext {
  return createAppContext(
    { ...h.ctx.settings, verifyPercent, retention: null },
    { storage: h.ctx.storage, tuning: { ...h.ctx.tuning, ...tuning }, log: (line) => h.logs.push(line) },
  );
}

/** Backs up the source blob `name` in `ctx` as run `runId`; the run must complete. */
export async function backupIn(h: Harness, ctx: AppContext, name: string, runId: string) {
  const { id, source } = diskFor(h, name);
  const run = await runDiskBackupDirect(
    ctx,
    { diskId: id, sourceUrl: source.url, runId },
    { retryDelayScale: 0.01 },
  );
  expect(run.status, run.restorePoint.reason ?? "").toBe("completed");
  return run;
}

// The verification's steps and requests against the emulator: a small window is planned, compared and
// recorded by one step and never touches the run store; a larger one goes through its compare and record
// steps; a plan recorded by an older build (no `recorded`) still compares and records; the plan lists each
// snapshot once and the record writes the point's row by its keys.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verificationActivities } from "../../src/activities/verification";
import { type AppContext, createAppContext } from "../../src/app/context";
import { noDurable } from "../../src/app/instances";
import { storageEndpointsOf } from "../../src/config/settings";
import { runInProcess } from "../../src/direct/runtime";
import { verifyRestorePoint } from "../../src/orchestrations/verification";
import { StorageAccess } from "../../src/storage/clients";
import { comparePart } from "../../src/verification/compare";
import { planVerification } from "../../src/verification/plan";
import { recordVerification } from "../../src/verification/record";
import { parseRecord } from "../../src/verification/rotation";
import type { VerificationOutcome, VerifyInput } from "../../src/verification/types";
import { createHarness, type Harness, MiB, writeRandom } from "./support/harness";
import { backupIn, verificationContext } from "./support/verification";

const CHUNK = MiB;
const DISK_BYTES = 16 * MiB;

function contextWith(h: Harness, verifyPercent: number, chunkBytes = CHUNK): AppContext {
  // The app's own batch floor (the harness lowers it to fan copies out): a window's parts as deployed.
  return verificationContext(h, verifyPercent, { verifyChunkBytes: chunkBytes, minBatchBytes: 32 * MiB });
}

describe("verification steps and requests (in-process procedures against the emulator)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness("verifysteps");
  });
  afterAll(async () => h?.cleanup());

  const backup = (ctx: AppContext, name: string, runId: string) => backupIn(h, ctx, name, runId);

  /** Verifies through the procedure with `table`'s plan step, naming each step run. */
  async function verify(ctx: AppContext, input: VerifyInput, table = verificationActivities) {
    const steps: string[] = [];
    const outcome: VerificationOutcome = await runInProcess(
      verifyRestorePoint,
      table,
      { app: ctx, durable: noDurable },
      input,
      { instanceId: `verify-steps-${steps.length}`, onStep: (name) => steps.push(name) },
    );
    return { outcome, steps };
  }

  it("plans, compares and records a small window in one step; a larger one in its own steps", async () => {
    const name = "onestep.vhd";
    const blob = h.sources.getPageBlobClient(name);
    await blob.create(DISK_BYTES);
    await writeRandom(blob, 0, DISK_BYTES);
    const { diskId, restorePointId } = (await backup(contextWith(h, 0), name, "onestep-0")).restorePoint;
    const input: VerifyInput = { diskId, restorePointId, mode: "full" };

    // 16 chunks of 1 MiB: one part of 16 spans, in the plan.
    const small = await verify(contextWith(h, 0), input);
    expect(small.steps).toEqual(["verifyPlan"]);
    expect(small.outcome.status).toBe("verified");
    expect(small.outcome.record).toMatchObject({ chunks: 16, bytesCompared: DISK_BYTES, mismatches: 0 });
    const row = await h.ctx.lineage.get(diskId, restorePointId);
    expect(parseRecord(row?.verification)).toEqual(small.outcome.record);

    // 256 chunks of 64 KiB: more spans than travel inline, so the parts go through the run store.
    const large = await verify(contextWith(h, 0, 64 * 1024), input);
    expect(large.steps[0]).toBe("verifyPlan");
    expect(large.steps.filter((s) => s === "verifyCompare").length).toBeGreaterThanOrEqual(1);
    expect(large.steps.at(-1)).toBe("verifyRecord");
    expect(large.outcome.record).toMatchObject({ chunks: 256, bytesCompared: DISK_BYTES, mismatches: 0 });

    // A plan step of an older build returned the plan alone (an orchestration in flight across a
    // deployment replays that result): the procedure compares and records it in their own steps.
    const older = { ...verificationActivities, verifyPlan: verifyPlanAlone };
    const replayed = await verify(contextWith(h, 0), input, older);
    expect(replayed.steps).toEqual(["verifyPlan", "verifyCompare", "verifyRecord"]);
    expect(replayed.outcome.record).toMatchObject({ chunks: 16, bytesCompared: DISK_BYTES, mismatches: 0 });
  });

  it("records an empty window in its plan step, without touching the run store", async () => {
    const name = "empty.vhd";
    await h.sources.getPageBlobClient(name).create(DISK_BYTES);
    const { diskId, restorePointId } = (await backup(contextWith(h, 0), name, "empty-0")).restorePoint;
    await h.emu.control.resetStats(h.backupPrefix);
    const { outcome, steps } = await verify(contextWith(h, 0), { diskId, restorePointId, mode: "full" });
    expect(steps).toEqual(["verifyPlan"]);
    expect(outcome.status).toBe("verified");
    expect(outcome.record).toMatchObject({ chunks: 0, bytesCompared: 0, allocatedBytes: 0, mismatches: 0 });
    const runs = await h.emu.control.getStats(`${h.backupPrefix}/_runs/`);
    expect(Object.values(runs.operations).reduce((sum, op) => sum + op.requests, 0)).toBe(0);
  });

  it("keeps a small window in the plan: no run-store document is written, read or removed for it", async () => {
    const ctx = contextWith(h, 25);
    const blob = h.sources.getPageBlobClient("inline.vhd");
    await blob.create(DISK_BYTES);
    await writeRandom(blob, 0, DISK_BYTES);
    await h.emu.control.resetStats(h.backupPrefix);
    const run = await backup(ctx, "inline.vhd", "inline-0");
    const record = run.after?.verification.record;
    expect(run.after?.verification.status).toBe("verified");
    expect([record?.chunks, record?.bytesCompared]).toEqual([4, 4 * MiB]);
    const { diskId, restorePointId } = run.restorePoint;
    const parts = await h.emu.control.getStats(`${h.backupPrefix}/_runs/${diskId}/${restorePointId}.verify-`);
    const requests = Object.values(parts.operations).reduce((sum, op) => sum + op.requests, 0);
    expect(requests).toBe(0);
    // The plan carries the window's spans itself (planned again: the same first window).
    const planned = await planVerification(ctx, { diskId, restorePointId, mode: "rolling" });
    expect("plan" in planned && planned.plan.spans).toEqual([
      [0, MiB],
      [MiB, MiB],
      [2 * MiB, MiB],
      [3 * MiB, MiB],
    ]);
  });

  it("plans from one listing per snapshot, and records on the point's row by its keys, without lookups", async () => {
    const blob = h.sources.getPageBlobClient("record.vhd");
    await blob.create(DISK_BYTES);
    await writeRandom(blob, 0, 2 * MiB);
    const run = await backup(contextWith(h, 0), "record.vhd", "record-0");
    const { diskId, restorePointId } = run.restorePoint;
    // A context whose lineage table counts its requests (its own clients: nothing shared with others).
    const storage = new StorageAccess({
      endpoints: storageEndpointsOf(h.ctx.settings),
      accountKeys: h.ctx.settings.accountKeys,
    });
    const ctx = createAppContext(
      { ...h.ctx.settings, verifyPercent: 100, retention: null },
      { storage, tuning: { ...h.ctx.tuning, verifyChunkBytes: CHUNK }, log: (line) => h.logs.push(line) },
    );
    const requests: string[] = [];
    ctx.lineage.table.pipeline.addPolicy({
      name: "countRequests",
      sendRequest: (request, next) => {
        requests.push(request.method);
        return next(request);
      },
    });
    await h.emu.control.resetStats(h.backupPrefix);
    await h.emu.control.resetStats(h.sourcePrefix);
    const planned = await planVerification(ctx, { diskId, restorePointId, mode: "rolling" });
    if (!("plan" in planned)) throw new Error(`not planned: ${planned.skipped}`);
    // Each snapshot listed once, its size from the listing: nothing else asked of either blob.
    for (const prefix of [h.backupPrefix, h.sourcePrefix]) {
      const { operations } = await h.emu.control.getStats(prefix);
      const asked = Object.entries(operations).filter(([, o]) => o.requests > 0);
      expect(asked.map(([op, o]) => [op, o.requests])).toEqual([["getPageRanges", 1]]);
    }
    expect([planned.plan.sizeBytes, planned.plan.layoutMismatch]).toEqual([DISK_BYTES, null]);
    const parts = [await comparePart(ctx, { plan: planned.plan, part: 0 })];
    requests.length = 0;
    const record = await recordVerification(ctx, { plan: planned.plan, parts });
    expect(requests).toEqual(["PATCH"]);
    expect(parseRecord((await ctx.lineage.get(diskId, restorePointId))?.verification)).toEqual(record);
    // A plan without the row's keys (made before they travelled in it) looks the row up first.
    const { rowKey: _rowKey, ...older } = planned.plan;
    requests.length = 0;
    const again = await recordVerification(ctx, { plan: older, parts });
    expect(requests).toEqual(["GET", "PATCH"]);
    expect(parseRecord((await ctx.lineage.get(diskId, restorePointId))?.verification)).toEqual(again);
    expect(again.bytesCompared).toBe(2 * MiB);
  });
});

/** The plan step as an older build ran it: the plan, never compared or recorded. */
const verifyPlanAlone: typeof verificationActivities.verifyPlan = ({ app }, input) =>
  planVerification(app, input);

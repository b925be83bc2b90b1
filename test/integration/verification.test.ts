// Rolling verification against the emulator, through the in-process procedures: coverage accumulates
// window after window and a new pass starts after 100%; a backup range corrupted behind the app's back
// is found within the windows it takes to cover the disk, marks the point suspect and makes the next
// backup full, which repairs it; a full verification compares the whole disk; what cannot be verified
// (source snapshot replaced, VERIFY_PERCENT=0) is skipped and says why.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppContext } from "../../src/app/context";
import { runVerificationDirect } from "../../src/direct/verification";
import { comparePart } from "../../src/verification/compare";
import { planVerification } from "../../src/verification/plan";
import { parseRecord } from "../../src/verification/rotation";
import { seededRandom } from "../support/random";
import {
  blobNameOf,
  createHarness,
  expectSameBytes,
  type Harness,
  MiB,
  writeRandom,
} from "./support/harness";
import { backupIn, verificationContext } from "./support/verification";

const CHUNK = MiB;
const DISK_BYTES = 16 * MiB;

function contextWith(h: Harness, verifyPercent: number): AppContext {
  return verificationContext(h, verifyPercent, { verifyChunkBytes: CHUNK });
}

describe("rolling verification (in-process procedures against the emulator)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness("verify");
  });
  afterAll(async () => h?.cleanup());

  const backup = (ctx: AppContext, name: string, runId: string) => backupIn(h, ctx, name, runId);

  it("accumulates coverage window after window and starts a new pass after 100%", async () => {
    const ctx = contextWith(h, 25);
    const blob = h.sources.getPageBlobClient("rolling.vhd");
    await blob.create(DISK_BYTES);
    await writeRandom(blob, 0, DISK_BYTES); // 16 chunks, all allocated: 4 chunks a window
    const seen = [];
    for (let w = 0; w < 6; w++) {
      if (w > 0) await writeRandom(blob, ((w * 5) % 16) * MiB, 4096);
      const run = await backup(ctx, "rolling.vhd", `rolling-${w}`);
      const outcome = run.after?.verification;
      expect(outcome?.status).toBe("verified");
      const record = outcome?.record;
      // Recorded on the restore point, as the lineage returns it.
      const row = await ctx.lineage.get(run.restorePoint.diskId, run.restorePoint.restorePointId);
      expect(parseRecord(row?.verification)).toEqual(record);
      seen.push([
        record?.pass,
        record?.from,
        record?.to,
        record?.coverage,
        record?.chunks,
        record?.bytesCompared,
      ]);
    }
    expect(seen).toEqual([
      [1, 0, 4 * MiB, 0.25, 4, 4 * MiB],
      [1, 4 * MiB, 8 * MiB, 0.5, 4, 4 * MiB],
      [1, 8 * MiB, 12 * MiB, 0.75, 4, 4 * MiB],
      [1, 12 * MiB, 16 * MiB, 1, 4, 4 * MiB],
      [2, 0, 4 * MiB, 0.25, 4, 4 * MiB],
      [2, 4 * MiB, 8 * MiB, 0.5, 4, 4 * MiB],
    ]);
  });

  it("finds a corrupted backup range within the windows it takes to cover the disk, then repairs it", async () => {
    const { rand, seed } = seededRandom();
    console.log(`corruption seed ${seed}`);
    const percent = 20; // ceil(100 / 20) = 5 windows cover the disk
    const ctx = contextWith(h, percent);
    const name = "corrupt.vhd";
    const blob = h.sources.getPageBlobClient(name);
    await blob.create(DISK_BYTES);
    await writeRandom(blob, 0, DISK_BYTES);
    const first = await backup(ctx, name, "corrupt-0");
    // Some windows pass before the corruption, so it lands at a random place relative to the rotation.
    const before = Math.floor(rand() * 5);
    for (let w = 1; w <= before; w++) await backup(ctx, name, `corrupt-pre-${w}`);
    // Write garbage into the backup blob behind the app's back, in a chunk the source keeps unchanged.
    const corruptChunk = 1 + Math.floor(rand() * 14);
    const corruptAt = corruptChunk * MiB + Math.floor(rand() * 2040) * 512;
    const backupBlob = h.backups.getPageBlobClient(blobNameOf(first.restorePoint.backupUrl));
    const original = await blob.downloadToBuffer(corruptAt, 512);
    await backupBlob.uploadPages(Buffer.alloc(512, 0xee), corruptAt, 512);
    const firstDifference = corruptAt + original.findIndex((byte) => byte !== 0xee);
    console.log(`corrupted byte ${corruptAt} (chunk ${corruptChunk}) after ${before} clean windows`);

    let found: Awaited<ReturnType<typeof backup>> | undefined;
    let windows = 0;
    const bound = Math.ceil(100 / percent) + 1;
    while (!found && windows < bound) {
      windows++;
      // Each window changes a chunk far from the corruption.
      const chunk = (corruptChunk + 8 + (windows % 4)) % 16;
      await writeRandom(blob, chunk * MiB, 4096);
      const run = await backup(ctx, name, `corrupt-${windows}`);
      const status = run.after?.verification.status;
      if (status === "mismatch") found = run;
      else expect(status).toBe("verified");
    }
    expect(found, `no mismatch found within ${bound} windows`).toBeDefined();
    const outcome = found?.after?.verification;
    expect(outcome?.error?.code).toBe("VerificationMismatch");
    expect(outcome?.record?.mismatches).toBe(1);
    expect(outcome?.record?.mismatchRanges).toEqual([
      { offset: corruptChunk * MiB, length: MiB, firstDifference },
    ]);
    const suspect = await ctx.lineage.get(found!.restorePoint.diskId, found!.restorePoint.restorePointId);
    expect(suspect?.suspect).toBe(true);
    expect(
      h.logs.some(
        (l) => l.startsWith("error: verification") && l.includes(found!.restorePoint.restorePointId),
      ),
    ).toBe(true);

    // The next backup is full, says why, and its backup snapshot equals the source again.
    const repaired = await backup(ctx, name, "corrupt-repair");
    expect(repaired.restorePoint.kind).toBe("full");
    expect(repaired.restorePoint.reason).toMatch(/is suspect: verification found/);
    const bytes = await expectSameBytes(h, name, repaired.restorePoint);
    expect(bytes.backup.equals(bytes.source)).toBe(true);
    const full = await runVerificationDirect(ctx, {
      diskId: repaired.restorePoint.diskId,
      restorePointId: repaired.restorePoint.restorePointId,
      mode: "full",
    });
    expect(full.status).toBe("verified");
    expect(full.record).toMatchObject({
      mode: "full",
      coverage: 1,
      chunks: 16,
      bytesCompared: DISK_BYTES,
      mismatches: 0,
    });
    expect(full.record?.next).toEqual({ pass: (full.record?.pass ?? 0) + 1, cursor: 0 });
  });

  it("skips what cannot be verified, and verifies nothing when VERIFY_PERCENT is 0", async () => {
    const ctx = contextWith(h, 0);
    const name = "skip.vhd";
    const blob = h.sources.getPageBlobClient(name);
    await blob.create(4 * MiB);
    await writeRandom(blob, 0, MiB);
    const first = await backup(ctx, name, "skip-0");
    expect(first.after?.verification).toMatchObject({
      status: "skipped",
      reason: expect.stringMatching(/VERIFY_PERCENT=0/),
    });
    await writeRandom(blob, MiB, MiB);
    await backup(ctx, name, "skip-1");
    // The first point's source snapshot was replaced by the second backup's.
    const old = await runVerificationDirect(contextWith(h, 5), {
      diskId: first.restorePoint.diskId,
      restorePointId: first.restorePoint.restorePointId,
      mode: "full",
    });
    expect(old).toMatchObject({
      status: "skipped",
      reason: expect.stringMatching(/source snapshot .* no longer exists/),
    });

    // A snapshot pruned while a window is being compared (a newer backup): skipped, not a mismatch.
    const latest = await ctx.lineage.latestCompleted(first.restorePoint.diskId);
    const planned = await planVerification(contextWith(h, 100), {
      diskId: first.restorePoint.diskId,
      restorePointId: latest?.restorePointId ?? "",
      mode: "rolling",
    });
    if (!("plan" in planned)) throw new Error(`not planned: ${planned.skipped}`);
    await blob.withSnapshot(latest?.sourceSnapshot ?? "").delete();
    await expect(comparePart(ctx, { plan: planned.plan, part: 0 })).rejects.toMatchObject({
      code: "SnapshotGone",
    });
  });
});

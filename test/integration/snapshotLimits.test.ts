// The service's snapshot limits on a premium source disk (the emulator's premium account enforces them):
// a snapshot refused by the rate limit is waited out with a durable timer and the backup completes; a
// disk at its snapshot count fails with a reason that says what to do. Real waits are scaled down in
// process (the emulator's interval is 3 s, the app assumes the service's 10 minutes, scaled by 1/200).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SNAPSHOT_COUNT_EXCEEDED, SNAPSHOT_RATE_LIMITED } from "../../src/app/codes";
import type { Result } from "../../src/app/result";
import {
  ensureSnapshotListed,
  snapshotLimitProblem,
  snapshotRetryAfterMs,
} from "../../src/storage/snapshots";
import { TAG_DISK_ID, TAG_RESTORE_POINT_ID } from "../../src/storage/tags";
import { requireBlobUrl } from "../../src/storage/urls";
import { backupNow, createHarness, expectSameBytes, type Harness, MiB, writeRandom } from "./support/harness";

describe("snapshot limits of a premium source disk (against the emulator)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness("premium", {}, { sourceAccount: "devpremiumaccount" });
  });
  afterAll(async () => {
    await h?.emu.control.setPremiumLimits({});
    await h?.cleanup();
  });

  it.each(["SnaphotOperationRateExceeded", "SnapshotOperationRateExceeded"] as const)(
    "waits out the one-snapshot-per-interval limit (%s) instead of failing the backup",
    async (code) => {
      await h.emu.control.setPremiumLimits({ snapshotIntervalMs: 3000, rateErrorCode: code });
      const name = `p1-${code.toLowerCase()}.vhd`;
      const blob = h.sources.getPageBlobClient(name);
      await blob.create(8 * MiB);
      await writeRandom(blob, 0, 2 * MiB);
      expect((await backupNow(h, name)).status).toBe("completed");
      await writeRandom(blob, 4 * MiB, MiB);
      const failures: string[] = [];
      const onStep = (name: string, _input: unknown, result: unknown) => {
        const r = result as Result<unknown>;
        if (!r.ok) failures.push(`${name}:${r.error.code}`);
      };
      await h.emu.control.resetStats(h.sourcePrefix);
      const second = await backupNow(h, name, { retryDelayScale: 1 / 200, onStep });
      expect(second.status, second.restorePoint.reason ?? "").toBe("completed");
      expect(second.restorePoint.kind).toBe("incremental");
      expect(failures).toContain(`beginDiskBackup:${SNAPSHOT_RATE_LIMITED}`);
      const stats = await h.emu.control.getStats(h.sourcePrefix);
      expect(stats.operations.createSnapshot?.requests ?? 0).toBeGreaterThanOrEqual(2);
      const bytes = await expectSameBytes(h, name, second.restorePoint);
      expect(bytes.backup.equals(bytes.source)).toBe(true);
    },
  );

  it("fails a disk at its snapshot count with a reason that says what to do", async () => {
    await h.emu.control.setPremiumLimits({ snapshotIntervalMs: 0, maxSnapshots: 3 });
    const blob = h.sources.getPageBlobClient("p2.vhd");
    await blob.create(4 * MiB);
    await writeRandom(blob, 0, MiB);
    expect((await backupNow(h, "p2.vhd")).status).toBe("completed");
    await blob.createSnapshot();
    await blob.createSnapshot(); // someone else's snapshots fill the disk's allowance
    const failed = await backupNow(h, "p2.vhd");
    expect(failed.status).toBe("failed");
    expect(failed.restorePoint.reason).toMatch(
      /cannot take another snapshot: .*3 snapshots.*delete snapshots made by others/,
    );
  });

  it("a retried snapshot finds the one its first attempt made, even when the limits refuse another", async () => {
    await h.emu.control.setPremiumLimits({ snapshotIntervalMs: 60_000 });
    const blob = h.sources.getPageBlobClient("p3.vhd");
    await blob.create(4 * MiB);
    const location = requireBlobUrl(blob.url);
    const tag = { [TAG_DISK_ID]: "p3", [TAG_RESTORE_POINT_ID]: "rp-retried" };
    const first = await ensureSnapshotListed(h.sources, location, { tag });
    await h.emu.control.resetStats(h.sourcePrefix);
    const again = await ensureSnapshotListed(h.sources, location, { tag });
    expect(again.snapshot).toBe(first.snapshot);
    expect(again.snapshots.map((s) => s.snapshot)).toEqual([first.snapshot]);
    const stats = (await h.emu.control.getStats(h.sourcePrefix)).operations;
    expect(stats.createSnapshot?.requests).toBe(1); // refused by the interval, then looked up
    await expect(
      ensureSnapshotListed(h.sources, location, { tag: { ...tag, [TAG_RESTORE_POINT_ID]: "rp-next" } }),
    ).rejects.toMatchObject({ code: SNAPSHOT_RATE_LIMITED });
    await h.emu.control.setPremiumLimits({ snapshotIntervalMs: 0 });
    await ensureSnapshotListed(h.sources, location, { tag: { ...tag, [TAG_RESTORE_POINT_ID]: "rp-next" } });
    // Made twice (a create whose answer was lost, say): the older stays, the younger is deleted.
    const twice = { ...tag, [TAG_RESTORE_POINT_ID]: "rp-twice" };
    const older = (await blob.createSnapshot({ metadata: twice })).snapshot;
    // The caller hears of the younger one as soon as it is made, and must find the older one kept.
    const created: string[] = [];
    const kept = await ensureSnapshotListed(h.sources, location, {
      tag: twice,
      onCreated: (snapshot) => created.push(snapshot),
    });
    expect(kept.snapshot).toBe(older);
    expect(created).toHaveLength(1);
    expect(created[0]).not.toBe(older);
    expect(kept.snapshots.map((s) => s.snapshot)).not.toContain(created[0]);
    expect(kept.snapshots).toHaveLength(3);
    const listed: string[] = [];
    for await (const b of h.sources.listBlobsFlat({ prefix: "p3.vhd", includeSnapshots: true }))
      if (b.snapshot) listed.push(b.snapshot);
    expect(listed).toHaveLength(3);
  });

  it("judges the limits before asking and waits until the interval has passed", () => {
    expect(snapshotLimitProblem(100, "P10")).toMatch(/100 snapshots, the limit of a premium page blob/);
    expect(snapshotLimitProblem(99, "P10")).toBeUndefined();
    expect(snapshotLimitProblem(500, "Hot")).toBeUndefined();
    expect(snapshotLimitProblem(500, undefined)).toBeUndefined();
    const now = Date.parse("2026-01-01T00:10:00Z");
    expect(snapshotRetryAfterMs("2026-01-01T00:05:00.0000000Z", now)).toBe(5 * 60_000 + 5_000);
    expect(snapshotRetryAfterMs("2026-01-01T00:00:00.0000000Z", now)).toBe(30_000);
    expect(snapshotRetryAfterMs(undefined, now)).toBe(10 * 60_000 + 5_000);
    expect(SNAPSHOT_COUNT_EXCEEDED).toBe("SnapshotCountExceeded");
  });
});

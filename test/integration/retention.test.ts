// Retention against the emulator, through the in-process procedures: after many simulated daily
// windows with a small grandfather-father-son policy exactly the expected backup snapshots remain and
// every kept point restores byte for byte; held points and points a running restore reads stay; a
// deletion interrupted between its steps is finished by the next pass, and restores refuse the point
// meanwhile (409); snapshots the app did not make are never deleted; failed rows go after 30 days.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { retentionView } from "../../src/api/retention";
import { type AppContext, createAppContext } from "../../src/app/context";
import { runDiskBackupDirect } from "../../src/direct/backup";
import { inProcessReaders } from "../../src/direct/readers";
import { runRestoreDirect } from "../../src/direct/restore";
import { runRetentionDirect } from "../../src/direct/retention";
import type { RestorePoint } from "../../src/lineage/restorePoint";
import { admitRestore } from "../../src/restore/admission";
import { decideRetention } from "../../src/retention/decide";
import { applyRetention } from "../../src/retention/delete";
import { setHold } from "../../src/retention/holds";
import type { RetentionPolicy } from "../../src/retention/policy";
import { seededRandom } from "../support/random";
import { blobNameOf, contentOf, createHarness, diskFor, type Harness, MiB } from "./support/harness";

const DAY = 86_400_000;
const DISK_BYTES = 4 * MiB;

function contextWith(h: Harness, retention: RetentionPolicy | null): AppContext {
  return createAppContext(
    { ...h.ctx.settings, retention },
    { storage: h.ctx.storage, tuning: h.ctx.tuning, log: (line) => h.logs.push(line) },
  );
}

/** A source disk whose every write is replayable: the content at any window is rebuilt from the log. */
class Disk {
  readonly writes: Array<{ window: number; offset: number; data: Buffer }> = [];
  constructor(
    readonly h: Harness,
    readonly name: string,
  ) {}
  get blob() {
    return this.h.sources.getPageBlobClient(this.name);
  }
  async write(window: number, offset: number, data: Buffer) {
    await this.blob.uploadPages(data, offset, data.length);
    this.writes.push({ window, offset, data });
  }
  contentAt(window: number): Buffer {
    const content = Buffer.alloc(DISK_BYTES);
    for (const w of this.writes) if (w.window <= window) w.data.copy(content, w.offset);
    return content;
  }
}

async function backupSnapshotsOf(h: Harness, point: Pick<RestorePoint, "backupUrl">): Promise<string[]> {
  const name = blobNameOf(point.backupUrl);
  const found: string[] = [];
  for await (const item of h.backups.listBlobsFlat({ prefix: name, includeSnapshots: true })) {
    if (item.name === name && item.snapshot) found.push(item.snapshot);
  }
  return found.sort();
}

describe("retention (in-process procedures against the emulator)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness("retention");
  });
  afterAll(async () => h?.cleanup());

  it("keeps exactly the policy's points over many windows, and every kept point restores byte for byte", async () => {
    const { rand, seed } = seededRandom();
    console.log(`retention windows seed ${seed}`);
    const policy: RetentionPolicy = { last: 2, daily: 4, weekly: 3 };
    const ctx = contextWith(h, policy);
    const disk = new Disk(h, "gfs.vhd");
    await disk.blob.create(DISK_BYTES);
    await disk.write(0, 0, Buffer.alloc(MiB, 7));
    const { id: diskId, source } = diskFor(h, "gfs.vhd");
    // One backup a day at 10:00 UTC over 15 days, a second one at 22:00 on some days.
    const start = Math.floor(Date.now() / DAY) * DAY - 15 * DAY + 10 * 3_600_000;
    const times = Array.from({ length: 15 }, (_, d) => start + d * DAY).flatMap((t, d) =>
      d % 5 === 1 ? [t, t + 12 * 3_600_000] : [t],
    );
    const created: RestorePoint[] = [];
    let held: RestorePoint | undefined;
    for (const [window, at] of times.entries()) {
      const offset = Math.floor(rand() * (DISK_BYTES / 4096)) * 4096;
      const data = Buffer.alloc(4096, 1 + Math.floor(rand() * 250));
      await disk.write(window, offset, data);
      const run = await runDiskBackupDirect(
        ctx,
        { diskId, sourceUrl: source.url, runId: `gfs-${window}` },
        { startedAt: new Date(at), retryDelayScale: 0.01 },
      );
      expect(run.status, run.restorePoint.reason ?? "").toBe("completed");
      expect(run.after?.retention.status).toBe("completed");
      expect(run.after?.verification.status).toBe("verified");
      created.push(run.restorePoint);
      if (window === 4) {
        const hold = await setHold(ctx, diskId, run.restorePoint.restorePointId, true);
        expect(hold.ok).toBe(true);
        held = run.restorePoint;
      }
    }
    // The expected survivors: the decision over the whole history (retention after each window deletes
    // the same: newer points never make an older one kept again) plus the held point.
    const verdicts = decideRetention({
      points: created.map((p) => ({ ...p, hold: p.restorePointId === held?.restorePointId })),
      policy,
      now: Date.now(),
      readers: new Set(),
    });
    const expected = verdicts.filter((v) => v.keep).map((v) => v.restorePointId);
    // The period rules matter here: some points are kept by daily or weekly alone.
    expect(verdicts.some((v) => v.rules.length === 1 && v.rules[0] === "daily")).toBe(true);
    expect(verdicts.some((v) => v.rules.length === 1 && v.rules[0] === "weekly")).toBe(true);
    expect(expected.length).toBeGreaterThan(4);
    expect(expected.length).toBeLessThan(created.length - 8);
    expect(expected).toContain(held?.restorePointId);

    const rows = await ctx.lineage.list(diskId);
    expect(rows.map((r) => r.restorePointId)).toEqual(expected);
    expect(rows.every((r) => r.status === "completed")).toBe(true);
    const keptPoints = created.filter((p) => expected.includes(p.restorePointId));
    expect(await backupSnapshotsOf(h, created[0]!)).toEqual(keptPoints.map((p) => p.backupSnapshot).sort());

    // A further pass deletes nothing more.
    const again = await runRetentionDirect(ctx, { disks: [diskId] }, { retryDelayScale: 0.01 });
    expect(again.disks[0]).toMatchObject({ status: "completed", deleted: [], removed: [] });

    for (const point of keptPoints) {
      const window = created.indexOf(point);
      const target = `${source.url.replace(/\.vhd$/, "")}-r${window}.vhd`;
      const restored = await runRestoreDirect(
        ctx,
        { diskId, restorePointId: point.restorePointId, targetUrl: target, overwrite: false },
        `restore-gfs-${window}`,
        { retryDelayScale: 0.01 },
      );
      const bytes = await contentOf(h.sources.getPageBlobClient(blobNameOf(restored.restoredDiskUrl)));
      expect(bytes.equals(disk.contentAt(window)), `restore point of window ${window}`).toBe(true);
    }
  });

  it("keeps the points running restores read, also when a restore starts after the point was marked", async () => {
    const ctx = contextWith(h, { last: 1 });
    const disk = new Disk(h, "readers.vhd");
    await disk.blob.create(DISK_BYTES);
    const { id: diskId, source } = diskFor(h, "readers.vhd");
    const points: RestorePoint[] = [];
    const keepAll = contextWith(h, null);
    for (let w = 0; w < 3; w++) {
      await disk.write(w, w * MiB, Buffer.alloc(MiB, w + 1));
      const run = await runDiskBackupDirect(keepAll, {
        diskId,
        sourceUrl: source.url,
        runId: `readers-${w}`,
      });
      points.push(run.restorePoint);
    }
    const [oldest, middle] = points as [RestorePoint, RestorePoint];
    // The readers are listed again after marking: a restore that shows up in between keeps its point.
    let calls = 0;
    const readers = async () => (++calls >= 2 ? [{ diskId, restorePointId: oldest.restorePointId }] : []);
    const outcomes = await applyRetention(ctx, readers, {
      diskId,
      action: "delete",
      restorePointIds: [oldest.restorePointId, middle.restorePointId],
    });
    expect(outcomes).toEqual([
      { restorePointId: oldest.restorePointId, result: "kept", reason: "a running restore reads it" },
      { restorePointId: middle.restorePointId, result: "deleted" },
    ]);
    expect((await ctx.lineage.get(diskId, oldest.restorePointId))?.status).toBe("completed");
    expect(await backupSnapshotsOf(h, oldest)).toContain(oldest.backupSnapshot);
    expect(await ctx.lineage.get(diskId, middle.restorePointId)).toBeUndefined();

    // A restore running in this process: the pass sees it and keeps the point it reads.
    await h.emu.control.setFaults([
      {
        pathPrefix: h.sourcePrefix,
        // The restore writes its target with the bytes it read (putPage); slow it so it is still running.
        operations: ["putPage", "putPageFromUrl"],
        rate: 1,
        kind: "latency",
        latencyMs: 400,
      },
    ]);
    try {
      const restoring = runRestoreDirect(
        ctx,
        {
          diskId,
          restorePointId: oldest.restorePointId,
          targetUrl: `${source.url}.restored`,
          overwrite: false,
        },
        "restore-readers",
      );
      await new Promise((r) => setTimeout(r, 200));
      const view = await retentionView(ctx, inProcessReaders, diskId);
      const verdict = (
        view.jsonBody as { restorePoints: Array<{ restorePointId: string; rules: string[] }> }
      ).restorePoints.find((p) => p.restorePointId === oldest.restorePointId);
      expect(verdict?.rules).toEqual(["restoring"]);
      const during = await runRetentionDirect(ctx, { disks: [diskId] });
      expect(during.disks[0]?.deleted).toEqual([]);
      const restored = await restoring;
      expect(restored.restoredFrom.restorePointId).toBe(oldest.restorePointId);
    } finally {
      await h.emu.control.setFaults([]);
    }
    const after = await runRetentionDirect(ctx, { disks: [diskId] });
    expect(after.disks[0]?.deleted).toEqual([oldest.restorePointId]);
    expect(await backupSnapshotsOf(h, oldest)).toEqual([points[2]!.backupSnapshot]);
  });

  it("finishes a deletion interrupted between its steps, and refuses restores and holds meanwhile", async () => {
    const ctx = contextWith(h, { last: 1 });
    const disk = new Disk(h, "crash.vhd");
    await disk.blob.create(DISK_BYTES);
    const { id: diskId, source } = diskFor(h, "crash.vhd");
    const keepAll = contextWith(h, null);
    const points: RestorePoint[] = [];
    for (let w = 0; w < 4; w++) {
      await disk.write(w, w * MiB, Buffer.alloc(MiB, w + 1));
      points.push(
        (await runDiskBackupDirect(keepAll, { diskId, sourceUrl: source.url, runId: `crash-${w}` }))
          .restorePoint,
      );
    }
    const [a, b, c, newest] = points as [RestorePoint, RestorePoint, RestorePoint, RestorePoint];

    // 1. The snapshot deletion keeps failing: the pass fails after marking; the row stays `deleting`.
    await h.emu.control.setFaults([
      { pathPrefix: h.backupPrefix, operations: ["deleteBlob"], rate: 1, kind: "serverBusy" },
    ]);
    let failed: Awaited<ReturnType<typeof runRetentionDirect>>;
    try {
      failed = await runRetentionDirect(ctx, { disks: [diskId] }, { retryDelayScale: 0.001 });
    } finally {
      await h.emu.control.setFaults([]);
    }
    expect(failed.disks[0]).toMatchObject({ status: "failed", error: { code: "StepFailed" } });
    const statuses = async () => (await ctx.lineage.list(diskId)).map((p) => [p.restorePointId, p.status]);
    expect(await statuses()).toEqual([
      [newest.restorePointId, "completed"],
      [c.restorePointId, "deleting"],
      [b.restorePointId, "deleting"],
      [a.restorePointId, "deleting"],
    ]);
    const refused = await admitRestore(ctx, { diskId, restorePointId: a.restorePointId });
    expect(refused).toMatchObject({ ok: false, error: { status: 409, code: "RestorePointDeleting" } });
    const hold = await setHold(ctx, diskId, b.restorePointId, true);
    expect(hold).toMatchObject({ ok: false, error: { status: 409, code: "RestorePointDeleting" } });

    // 2. Another crash after the snapshot of b is gone but before its row was removed.
    await h.backups.getPageBlobClient(blobNameOf(b.backupUrl)).withSnapshot(b.backupSnapshot).delete();

    // 3. A restore reads c meanwhile: the next pass puts c back, and finishes a and b.
    const readers = async () => [{ diskId, restorePointId: c.restorePointId }];
    const next = await runRetentionDirect(ctx, { disks: [diskId] }, { readers });
    expect(next.disks[0]).toMatchObject({
      status: "completed",
      unmarked: [c.restorePointId],
      deleted: [a.restorePointId, b.restorePointId],
    });
    expect(await statuses()).toEqual([
      [newest.restorePointId, "completed"],
      [c.restorePointId, "completed"],
    ]);
    expect(await backupSnapshotsOf(h, a)).toEqual([c.backupSnapshot, newest.backupSnapshot].sort());
    const admitted = await admitRestore(ctx, { diskId, restorePointId: c.restorePointId });
    expect(admitted.ok).toBe(true);
  });

  it("never deletes a snapshot the app did not make, and removes failed rows after 30 days", async () => {
    const ctx = contextWith(h, { last: 1 });
    const disk = new Disk(h, "foreign.vhd");
    await disk.blob.create(DISK_BYTES);
    await disk.write(0, 0, Buffer.alloc(MiB, 3));
    const { id: diskId, source } = diskFor(h, "foreign.vhd");
    const keepAll = contextWith(h, null);
    const first = (await runDiskBackupDirect(keepAll, { diskId, sourceUrl: source.url, runId: "foreign-0" }))
      .restorePoint;
    await disk.write(1, MiB, Buffer.alloc(MiB, 4));
    const newest = (await runDiskBackupDirect(keepAll, { diskId, sourceUrl: source.url, runId: "foreign-1" }))
      .restorePoint;
    // A snapshot someone else took of the backup blob, and a row claiming it as a restore point.
    const backupBlob = h.backups.getPageBlobClient(blobNameOf(first.backupUrl));
    const foreign = (await backupBlob.createSnapshot({ metadata: { owner: "someone-else" } })).snapshot ?? "";
    const old = (days: number) => new Date(Date.now() - days * DAY).toISOString();
    const fake = (id: string, startedAt: string, extra: Partial<RestorePoint>): RestorePoint => ({
      ...first,
      restorePointId: id,
      startedAt,
      completedAt: startedAt,
      runId: "by-hand",
      ...extra,
    });
    await ctx.lineage.upsert(fake("foreign-point", old(20), { backupSnapshot: foreign }));
    await ctx.lineage.upsert(fake("failed-old", old(40), { status: "failed", backupSnapshot: "" }));
    await ctx.lineage.upsert(fake("failed-recent", old(10), { status: "failed", backupSnapshot: "" }));

    const pass = await runRetentionDirect(ctx, { disks: [diskId] });
    const outcome = pass.disks[0]!;
    expect(outcome.deleted).toEqual([first.restorePointId]);
    expect(outcome.removed).toEqual(["failed-old"]);
    expect(outcome.spared).toEqual([
      { restorePointId: "foreign-point", reason: expect.stringMatching(/was not made by this app/) },
    ]);
    expect(await backupSnapshotsOf(h, first)).toEqual([foreign, newest.backupSnapshot].sort());
    const ids = (await ctx.lineage.list(diskId)).map((p) => [p.restorePointId, p.status]);
    expect(ids).toEqual([
      [newest.restorePointId, "completed"],
      ["failed-recent", "failed"],
      ["foreign-point", "completed"],
    ]);
  });
});

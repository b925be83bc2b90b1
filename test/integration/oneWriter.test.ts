// One writer per disk, independent of the orchestration engine: the disk lock (a table row with an
// owner and an expiry) lets exactly one of many racing runs take a disk, survives a crash only until it
// expires, keeps a backup and a restore of the same disk apart, and says in plain words who holds it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DISK_BUSY, LOCK_LOST } from "../../src/app/codes";
import { storageEndpointsOf } from "../../src/config/settings";
import { runRestoreDirect } from "../../src/direct/restore";
import { DiskLocks, type LockOwner } from "../../src/lineage/locks";
import { admitRestore } from "../../src/restore/admission";
import { StorageAccess } from "../../src/storage/clients";
import { seededRandom } from "../support/random";
import {
  backupNow,
  createHarness,
  diskFor,
  expectSameBytes,
  type Harness,
  MiB,
  writeRandom,
} from "./support/harness";

const owner = (n: number, kind: LockOwner["kind"] = "backup"): LockOwner => ({
  kind,
  restorePointId: `rp-${n}`,
  runId: `run-${n}`,
});

describe("disk locks and one writer per disk (against the emulator)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness("writer");
  });
  afterAll(async () => {
    await h?.emu.control.setFaults([]);
    await h?.cleanup();
  });

  /** A clock the test moves (`ms`), read by the locks through `now`. */
  function testClock() {
    const clock = { ms: Date.parse("2026-02-01T00:00:00Z"), now: () => clock.ms };
    return clock;
  }

  /** The locks of one process: its own clients, so its memory of the locks is its own. */
  function processLocks(now: () => number): DiskLocks {
    const storage = new StorageAccess({
      endpoints: storageEndpointsOf(h.ctx.settings),
      accountKeys: h.ctx.settings.accountKeys,
    });
    return new DiskLocks(storage, h.ctx.settings.lineageTable, { now });
  }

  it("gives a disk to exactly one of many racing runs, and to another only when released or expired", async () => {
    let now = Date.parse("2026-01-01T00:00:00Z");
    const clock = () => now;
    const storage = new StorageAccess({
      endpoints: storageEndpointsOf(h.ctx.settings),
      accountKeys: h.ctx.settings.accountKeys,
    });
    const locks = Array.from(
      { length: 8 },
      () => new DiskLocks(storage, h.ctx.settings.lineageTable, { now: clock }),
    );
    const { rand, seed } = seededRandom();
    console.log(`lock race seed ${seed}`);
    for (let round = 0; round < 5; round++) {
      const disk = `race-disk-${round}-${Math.floor(rand() * 1e9)}`;
      const results = await Promise.all(locks.map((l, i) => l.acquire(disk, owner(round * 10 + i), 60_000)));
      const winners = results.filter((r) => r.ok);
      expect(winners).toHaveLength(1);
      const winner = winners[0]!.ok ? winners[0]!.value : undefined;
      // every loser is told who holds the disk
      for (const r of results) if (!r.ok) expect(r.error.restorePointId).toBe(winner?.restorePointId);
    }
    const disk = "expiring-disk";
    expect((await locks[0]!.acquire(disk, owner(1), 60_000)).ok).toBe(true);
    expect((await locks[1]!.acquire(disk, owner(2), 60_000)).ok).toBe(false);
    await locks[1]!.release(disk, owner(2)); // not the holder: nothing happens
    expect((await locks[1]!.holder(disk))?.restorePointId).toBe("rp-1");
    now += 59_000;
    await locks[0]!.renew(disk, owner(1), 60_000); // the holder renews: 60 s from now
    now += 59_000;
    expect((await locks[1]!.acquire(disk, owner(2), 60_000)).ok).toBe(false);
    now += 2_000; // the holder crashed and its lock expired: another run takes the disk
    expect((await locks[1]!.acquire(disk, owner(2), 60_000)).ok).toBe(true);
    await expect(locks[0]!.renew(disk, owner(1), 60_000)).rejects.toMatchObject({ code: LOCK_LOST });
    await locks[1]!.release(disk, owner(2));
    expect(await locks[0]!.holder(disk)).toBeUndefined();

    // Steps of one run renewing side by side: a lock with more than half its time left is only read.
    const shared = "renewed-disk";
    expect((await locks[0]!.acquire(shared, owner(3), 60_000)).ok).toBe(true);
    const rowOf = () => locks[0]!.table.getEntity<{ expiresAt: string }>("disk", shared);
    const before = await rowOf();
    now += 29_000;
    await Promise.all(locks.map((l) => l.renew(shared, owner(3), 60_000)));
    const read = await rowOf();
    expect(read.etag).toBe(before.etag);
    now += 2_000; // 29 s left of 60: the next renewal writes, once, 60 s from now
    await Promise.all(locks.map((l) => l.renew(shared, owner(3), 60_000)));
    const renewed = await rowOf();
    expect(renewed.etag).not.toBe(before.etag);
    expect(Date.parse(renewed.expiresAt)).toBeGreaterThanOrEqual(now + 60_000 - 1000);
    await expect(locks[1]!.renew(shared, owner(4), 60_000)).rejects.toMatchObject({ code: LOCK_LOST });
  });

  it("renews without a round trip while this process knows it holds the lock, and reads again when not", async () => {
    const clock = testClock();
    const [mine, other] = [processLocks(clock.now), processLocks(clock.now)];
    const requests: string[] = [];
    mine.table.pipeline.addPolicy({
      name: "countRequests",
      sendRequest: (request, next) => {
        requests.push(request.method);
        return next(request);
      },
    });
    const disk = "known-disk";
    expect((await mine.acquire(disk, owner(5), 60_000)).ok).toBe(true);
    requests.length = 0;
    clock.ms += 29_000;
    for (let i = 0; i < 3; i++) await mine.renew(disk, owner(5), 60_000);
    expect(requests).toEqual([]);
    // another process (its own memory) reads the row, and finds it held and fresh
    await other.renew(disk, owner(5), 60_000);
    clock.ms += 2_000; // 29 s left: renewing reads the row and rewrites it
    await mine.renew(disk, owner(5), 60_000);
    expect(requests).toEqual(["GET", "PUT"]);
    // released: the row this process wrote is deleted under its ETag, without reading it first
    requests.length = 0;
    await mine.release(disk, owner(5));
    expect(requests).toEqual(["DELETE"]);
    expect(await mine.holder(disk)).toBeUndefined();
    // then taken by another run: this process no longer knows, reads, and stops
    expect((await other.acquire(disk, owner(6), 60_000)).ok).toBe(true);
    await expect(mine.renew(disk, owner(5), 60_000)).rejects.toMatchObject({ code: LOCK_LOST });
    await other.release(disk, owner(6));
  });

  it("releases a lock renewed elsewhere since this process wrote it, and never another run's", async () => {
    const clock = testClock();
    const [mine, elsewhere] = [processLocks(clock.now), processLocks(clock.now)];
    const disk = "renewed-elsewhere";
    expect((await mine.acquire(disk, owner(7), 60_000)).ok).toBe(true);
    clock.ms += 40_000; // another step of the run, in another process, rewrites the row (a new ETag)
    await elsewhere.renew(disk, owner(7), 60_000);
    await mine.release(disk, owner(7));
    expect(await mine.holder(disk)).toBeUndefined();
    // expired and taken by another run meanwhile: this run's release leaves that lock alone
    expect((await mine.acquire(disk, owner(8), 60_000)).ok).toBe(true);
    clock.ms += 61_000;
    expect((await elsewhere.acquire(disk, owner(9), 60_000)).ok).toBe(true);
    await mine.release(disk, owner(8));
    expect(await mine.holder(disk)).toMatchObject({ restorePointId: owner(9).restorePointId });
    await elsewhere.release(disk, owner(9));
  });

  it("backs a disk up once when two runs start at once: the other is skipped, saying why", async () => {
    const blob = h.sources.getPageBlobClient("twice.vhd");
    await blob.create(8 * MiB);
    await writeRandom(blob, 0, 4 * MiB);
    const disk = diskFor(h, "twice.vhd");
    const [a, b] = await Promise.allSettled([backupNow(h, "twice.vhd"), backupNow(h, "twice.vhd")]);
    const done = [a, b].filter((r) => r.status === "fulfilled");
    const skipped = [a, b].filter((r) => r.status === "rejected");
    expect(done).toHaveLength(1);
    expect(skipped).toHaveLength(1);
    expect((skipped[0] as PromiseRejectedResult).reason).toMatchObject({
      code: DISK_BUSY,
      message: expect.stringMatching(
        /^a backup of this disk is already running \(run test-run-\d+, restore point /,
      ),
    });
    const point = (done[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof backupNow>>>).value
      .restorePoint;
    const bytes = await expectSameBytes(h, "twice.vhd", point);
    expect(bytes.backup.equals(bytes.source)).toBe(true);
    expect(await h.ctx.lineage.list(disk.id)).toHaveLength(1);
    expect(await h.ctx.locks.holder(disk.id)).toBeUndefined(); // released when the backup ended
  });

  it("refuses a restore onto a disk being backed up (409 DiskBusy), and skips a backup of a disk being restored", async () => {
    const blob = h.sources.getPageBlobClient("busy.vhd");
    await blob.create(8 * MiB);
    await writeRandom(blob, 0, 6 * MiB);
    const first = await backupNow(h, "busy.vhd");
    const disk = diskFor(h, "busy.vhd");
    await writeRandom(blob, 2 * MiB, MiB);
    // a slow backup of the disk ...
    await h.emu.control.setFaults([
      {
        pathPrefix: h.backupPrefix,
        operations: ["putPageFromUrl"],
        rate: 1,
        kind: "latency",
        latencyMs: 400,
      },
    ]);
    const slowBackup = backupNow(h, "busy.vhd");
    for (let i = 0; i < 100 && !(await h.ctx.locks.holder(disk.id)); i++)
      await new Promise((r) => setTimeout(r, 20));
    // ... refuses a restore over it before anything is written
    const refused = await admitRestore(h.ctx, {
      diskId: disk.id,
      restorePointId: first.restorePoint.restorePointId,
      targetUrl: disk.source.url,
      overwrite: true,
    });
    expect(refused).toMatchObject({ ok: false, error: { status: 409, code: DISK_BUSY } });
    expect(!refused.ok && refused.error.message).toMatch(/a backup of this disk is already running/);
    expect((await slowBackup).status).toBe("completed");
    // a slow restore over the disk makes a backup of it skip
    const slowRestore = runRestoreDirect(
      h.ctx,
      {
        diskId: disk.id,
        restorePointId: first.restorePoint.restorePointId,
        targetUrl: disk.source.url,
        overwrite: true,
      },
      "slow-restore",
    );
    for (let i = 0; i < 100 && (await h.ctx.locks.holder(disk.id))?.kind !== "restore"; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await expect(backupNow(h, "busy.vhd")).rejects.toThrow(/a restore of this disk is already running/);
    await h.emu.control.setFaults([]);
    const restored = await slowRestore;
    expect(restored.verification.verified).toBe(true);
    expect(await h.ctx.locks.holder(disk.id)).toBeUndefined();
  });
});

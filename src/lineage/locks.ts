// One writer per disk, whatever the orchestration engine does with duplicate starts: a lock row per disk
// (in a table beside the lineage) that names its holder and expires. A run takes it before it writes,
// renews it at every step, and releases it at the end; a crashed run's lock simply expires. Rows are
// changed only with their ETag, so two runs racing for one disk cannot both win.
import type { TableClient } from "@azure/data-tables";
import { LOCK_LOST } from "../app/codes";
import { CodedError, fail, ok, type Result } from "../app/result";
import type { StorageAccess } from "../storage/clients";
import { statusOf } from "../storage/errors";
import type { TableLocation } from "../storage/urls";

/** Who holds (or wants) a disk: a backup or a restore run, by the restore point it is making. */
export interface LockOwner {
  kind: "backup" | "restore";
  /** The restore point the run is making (unique per run). */
  restorePointId: string;
  /** The orchestration instance (or in-process run) that owns it. */
  runId: string;
}

export interface LockHolder extends LockOwner {
  since: string;
  expiresAt: string;
}

const PARTITION = "disk";
const ensured = new Set<string>();

/** The lock table of a lineage table: same account, name `<lineage table>locks` (at most 63 characters). */
export function lockTableOf(lineage: TableLocation): TableLocation {
  const tableName = `${lineage.tableName.slice(0, 58)}locks`;
  return { ...lineage, tableName, url: `${lineage.serviceUrl}/${tableName}` };
}

/** Plain words for a holder, as a skipped disk or a refused restore reports it. */
export function describeHolder(holder: LockHolder): string {
  const what = holder.kind === "backup" ? "a backup" : "a restore";
  return `${what} of this disk is already running (run ${holder.runId}, restore point ${holder.restorePointId}, since ${holder.since})`;
}

const sameOwner = (a: LockOwner, b: LockOwner) =>
  a.kind === b.kind && a.restorePointId === b.restorePointId && a.runId === b.runId;

export class DiskLocks {
  readonly table: TableClient;
  private readonly key: string;
  private readonly now: () => number;
  /**
   * Locks this process last wrote or read as held, with their expiry and ETag: while one has more than
   * half its time left no other run can have taken it (a live lock is never taken over, and only its
   * holder releases it), so a renewal needs no round trip; and a release deletes the row under that ETag
   * without reading it first. Forgotten on release and on any lost race.
   */
  private readonly known = new Map<
    string,
    { owner: LockOwner; expiresAt: number; etag: string | undefined }
  >();

  constructor(storage: StorageAccess, lineage: TableLocation, options: { now?: () => number } = {}) {
    const location = lockTableOf(lineage);
    this.table = storage.table(location);
    this.key = location.url;
    this.now = options.now ?? Date.now;
  }

  private async ensureTable(): Promise<void> {
    if (ensured.has(this.key)) return;
    try {
      await this.table.createTable();
    } catch (error) {
      if (statusOf(error) !== 409) throw error;
    }
    ensured.add(this.key);
  }

  private async read(diskId: string): Promise<{ holder: LockHolder; etag: string } | undefined> {
    await this.ensureTable();
    try {
      const row = await this.table.getEntity<Record<string, string>>(PARTITION, diskId);
      const holder: LockHolder = {
        kind: row.kind === "restore" ? "restore" : "backup",
        restorePointId: String(row.restorePointId ?? ""),
        runId: String(row.runId ?? ""),
        since: String(row.since ?? ""),
        expiresAt: String(row.expiresAt ?? ""),
      };
      return { holder, etag: row.etag };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  private remember(diskId: string, holder: LockHolder, etag: string | undefined): void {
    this.known.set(diskId, { owner: holder, expiresAt: Date.parse(holder.expiresAt), etag });
  }

  private live(holder: LockHolder): boolean {
    return Date.parse(holder.expiresAt) > this.now();
  }

  /** More than half of a lock's time left. */
  private fresh(holder: LockHolder, ttlMs: number): boolean {
    return Date.parse(holder.expiresAt) - this.now() > ttlMs / 2;
  }

  /** The run holding the disk now (an expired lock holds nothing). */
  async holder(diskId: string): Promise<LockHolder | undefined> {
    const found = await this.read(diskId);
    return found && this.live(found.holder) ? found.holder : undefined;
  }

  /**
   * Takes the disk for `owner` for `ttlMs`, or renews it if `owner` holds it already (even expired, as
   * long as nobody else took it meanwhile). Fails with the current holder when another run holds it.
   */
  async acquire(diskId: string, owner: LockOwner, ttlMs: number): Promise<Result<LockHolder, LockHolder>> {
    // A released lock is a deleted row, so most takes find none: the row is created without reading it
    // first (one round trip); an existing row fails the create and is read and decided on.
    await this.ensureTable();
    return this.take(diskId, owner, ttlMs, undefined);
  }

  /** `firstRead`: the row as the caller just read it (undefined: assumed absent, for the first attempt). */
  private async take(
    diskId: string,
    owner: LockOwner,
    ttlMs: number,
    firstRead: { holder: LockHolder; etag: string } | undefined,
  ): Promise<Result<LockHolder, LockHolder>> {
    for (let attempt = 0; attempt < 6; attempt++) {
      const found = attempt === 0 ? firstRead : await this.read(diskId);
      const now = this.now();
      const mine = found !== undefined && sameOwner(found.holder, owner);
      if (found && !mine && this.live(found.holder)) {
        this.known.delete(diskId);
        return fail(found.holder);
      }
      // Lost a race to another step of this very run, which just renewed it: that is ours.
      if (attempt > 0 && found && mine && this.fresh(found.holder, ttlMs)) {
        this.remember(diskId, found.holder, found.etag);
        return ok(found.holder);
      }
      const holder: LockHolder = {
        ...owner,
        since: mine && found ? found.holder.since : new Date(now).toISOString(),
        expiresAt: new Date(now + ttlMs).toISOString(),
      };
      const entity = { partitionKey: PARTITION, rowKey: diskId, ...holder };
      try {
        const written = found
          ? await this.table.updateEntity(entity, "Replace", { etag: found.etag })
          : await this.table.createEntity(entity);
        this.remember(diskId, holder, written.etag);
        return ok(holder);
      } catch (error) {
        // Another run changed the row between our read and write: read again and decide again.
        if (statusOf(error) !== 409 && statusOf(error) !== 412) throw error;
      }
    }
    throw new Error(`could not take the lock of disk ${diskId}: the lock row keeps changing`);
  }

  /**
   * Extends the owner's lock; fails with LockLost when another run holds the disk now. A lock of this
   * owner with more than half its time left is not rewritten: the steps of one run that start side by
   * side (copy batches) would otherwise rewrite the same row one after another, each losing to the last;
   * and it is not even read when this process wrote or read it so (the steps of a run mostly share one).
   */
  async renew(diskId: string, owner: LockOwner, ttlMs: number): Promise<void> {
    const known = this.known.get(diskId);
    if (known && sameOwner(known.owner, owner) && known.expiresAt - this.now() > ttlMs / 2) return;
    const found = await this.read(diskId);
    if (found && sameOwner(found.holder, owner) && this.fresh(found.holder, ttlMs)) {
      this.remember(diskId, found.holder, found.etag);
      return;
    }
    const taken = await this.take(diskId, owner, ttlMs, found);
    if (!taken.ok) {
      throw new CodedError(
        LOCK_LOST,
        `this run lost the lock of disk ${diskId}: ${describeHolder(taken.error)}; it stops without writing more`,
      );
    }
  }

  /**
   * Releases the owner's lock; a lock another run holds is left alone. A row this process last wrote or
   * read as the owner's is deleted under that ETag at once; changed since (another step of the run
   * renewed it elsewhere), it is read and decided on.
   */
  async release(diskId: string, owner: LockOwner): Promise<void> {
    const known = this.known.get(diskId);
    this.known.delete(diskId);
    if (known?.etag && sameOwner(known.owner, owner) && (await this.deleteRow(diskId, known.etag))) return;
    const found = await this.read(diskId);
    if (!found || !sameOwner(found.holder, owner)) return;
    await this.deleteRow(diskId, found.etag);
  }

  /** Deletes the lock row if unchanged since `etag`: true when deleted (or already gone). */
  private async deleteRow(diskId: string, etag: string): Promise<boolean> {
    try {
      await this.table.deleteEntity(PARTITION, diskId, { etag });
      return true;
    } catch (error) {
      if (statusOf(error) === 404) return true;
      if (statusOf(error) === 412) return false;
      throw error;
    }
  }
}

/** Keeps a held lock alive while a long step runs (a lost lock shows up at the step's next renewal). */
export function keepLock(
  locks: DiskLocks,
  diskId: string,
  owner: LockOwner,
  ttlMs: number,
): { stop(): void } {
  const timer = setInterval(
    () => {
      locks.renew(diskId, owner, ttlMs).catch(() => {});
    },
    Math.max(1000, ttlMs / 3),
  );
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

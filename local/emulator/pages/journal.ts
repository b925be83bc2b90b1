// The write journal: which pages each write through the proxy touched, per epoch between
// snapshots, so a diff can report "pages written since" exactly as the service does. An epoch
// boundary is a snapshot; writes in flight while a snapshot is taken count in both epochs.
import { type Interval, normalize, union } from "./rangeSet";

const MAX_KNOWN_ETAGS = 16384;

/** Touched ranges of one epoch; normalised lazily so many small writes stay cheap. */
class Epoch {
  private raw: Interval[] = [];
  private normalizedLength = 0;

  add(interval: Interval): void {
    this.raw.push({ start: interval.start, end: interval.end });
    if (this.raw.length > 2 * this.normalizedLength + 1024) this.compact();
  }
  touched(): Interval[] {
    this.compact();
    return this.raw;
  }
  private compact(): void {
    this.raw = normalize(this.raw);
    this.normalizedLength = this.raw.length;
  }
}

interface SnapshotBoundary {
  /** Index of the last epoch before the snapshot. */
  epoch: number;
  etag: string | undefined;
  generation: number;
  /** The boundary's ETag was produced through the emulator (checked once, then remembered). */
  verified: boolean;
}

/** The journal of one blob generation (since it was created or copied over through the proxy). */
class BlobJournal {
  readonly epochs: Epoch[] = [new Epoch()];
  readonly pendingSnapshots = new Set<number>();
  readonly snapshots = new Map<string, SnapshotBoundary>();
  readonly knownEtags = new Set<string>();

  constructor(readonly generation: number) {}

  touch(interval: Interval): void {
    this.epochs[this.epochs.length - 1]!.add(interval);
    for (const index of this.pendingSnapshots) this.epochs[index]!.add(interval);
  }

  rememberEtag(etag: string): void {
    if (this.knownEtags.size >= MAX_KNOWN_ETAGS) {
      const oldest = this.knownEtags.values().next().value;
      if (oldest !== undefined) this.knownEtags.delete(oldest);
    }
    this.knownEtags.add(etag);
  }
}

export interface DiffPlan {
  /** Pages written or cleared between the two snapshots (journal semantics). */
  touched: Interval[];
}

export interface PlanRequest {
  prevSnapshot: string;
  /** Undefined for the base blob. */
  targetSnapshot: string | undefined;
  /** ETag of the target as Azurite reported it in the probe. */
  targetEtag: string | undefined;
}

export type PlanResult =
  | { kind: "journal"; plan: DiffPlan }
  | { kind: "untrusted"; reason: string }
  | { kind: "overwritten" };

export class WriteJournal {
  private readonly blobs = new Map<string, BlobJournal>();
  private nextGeneration = 1;

  /** Put Blob or Copy Blob over the blob: a new generation, trusted from its creation. */
  recreate(blob: string, etag: string | undefined): void {
    const journal = new BlobJournal(this.nextGeneration++);
    const previous = this.blobs.get(blob);
    // Snapshots of older generations stay known, so a diff against them is BlobOverwritten.
    if (previous !== undefined) for (const [id, b] of previous.snapshots) journal.snapshots.set(id, b);
    if (etag !== undefined) journal.rememberEtag(etag);
    this.blobs.set(blob, journal);
  }

  forget(blob: string): void {
    this.blobs.delete(blob);
  }

  forgetSnapshot(blob: string, snapshot: string): void {
    this.blobs.get(blob)?.snapshots.delete(snapshot);
  }

  /** Call when a write is sent and again when it completes (either may be the one that lands). */
  touch(blob: string, interval: Interval): void {
    this.blobs.get(blob)?.touch(interval);
  }

  observeEtag(blob: string, etag: string): void {
    this.blobs.get(blob)?.rememberEtag(etag);
  }

  /** Opens the next epoch; the returned function records the outcome. */
  beginSnapshot(blob: string): (snapshot: string | undefined, etag: string | undefined) => void {
    const journal = this.blobs.get(blob);
    if (journal === undefined) return () => {};
    const closing = journal.epochs.length - 1;
    journal.pendingSnapshots.add(closing);
    journal.epochs.push(new Epoch());
    return (snapshot, etag) => {
      journal.pendingSnapshots.delete(closing);
      if (snapshot === undefined) return;
      const verified = etag !== undefined && journal.knownEtags.has(etag);
      journal.snapshots.set(snapshot, { epoch: closing, etag, generation: journal.generation, verified });
    };
  }

  plan(blob: string, request: PlanRequest): PlanResult {
    const journal = this.blobs.get(blob);
    if (journal === undefined) return { kind: "untrusted", reason: "no journal for the blob" };
    const prev = journal.snapshots.get(request.prevSnapshot);
    if (prev === undefined) return { kind: "untrusted", reason: "previous snapshot not journaled" };
    const target =
      request.targetSnapshot === undefined ? undefined : journal.snapshots.get(request.targetSnapshot);
    if (request.targetSnapshot !== undefined && target === undefined) {
      return { kind: "untrusted", reason: "target snapshot not journaled" };
    }
    const targetGeneration = target?.generation ?? journal.generation;
    if (prev.generation !== targetGeneration) return { kind: "overwritten" };
    if (prev.generation !== journal.generation) return { kind: "untrusted", reason: "older generation" };
    // ETag guard: a boundary whose ETag no write through the proxy produced means someone wrote
    // to Azurite directly, so the journal may under-report.
    const last = target?.epoch ?? journal.epochs.length - 1;
    const boundaries = [prev, ...(target === undefined ? [] : [target])];
    for (const boundary of journal.snapshots.values()) {
      if (boundary.epoch > prev.epoch && boundary.epoch < last) boundaries.push(boundary);
    }
    for (const boundary of boundaries) {
      if (!boundary.verified && boundary.etag !== undefined && journal.knownEtags.has(boundary.etag))
        boundary.verified = true;
    }
    const baseVerified =
      target !== undefined ||
      (request.targetEtag !== undefined && journal.knownEtags.has(request.targetEtag));
    if (!baseVerified || boundaries.some((boundary) => !boundary.verified)) {
      return { kind: "untrusted", reason: "ETag not produced through the emulator" };
    }
    let touched: Interval[] = [];
    for (let index = prev.epoch + 1; index <= last; index++)
      touched = union(touched, journal.epochs[index]!.touched());
    return { kind: "journal", plan: { touched } };
  }
}

// Per-operation request and byte counters, kept per request path so that tests running in
// parallel can read and reset only their own container's figures.
import { OPERATION_KINDS, type OperationKind } from "./proxy/classify";

export interface OperationStats {
  requests: number;
  bytesIn: number;
  bytesOut: number;
}
export interface EmulatorStats {
  operations: Record<string, OperationStats>;
}

export class StatsRegistry {
  private readonly byPath = new Map<string, Map<OperationKind, OperationStats>>();

  private entry(path: string, kind: OperationKind): OperationStats {
    let kinds = this.byPath.get(path);
    if (kinds === undefined) {
      kinds = new Map();
      this.byPath.set(path, kinds);
    }
    let stats = kinds.get(kind);
    if (stats === undefined) {
      stats = { requests: 0, bytesIn: 0, bytesOut: 0 };
      kinds.set(kind, stats);
    }
    return stats;
  }

  countRequest(path: string, kind: OperationKind): void {
    this.entry(path, kind).requests += 1;
  }
  addBytesIn(path: string, kind: OperationKind, bytes: number): void {
    this.entry(path, kind).bytesIn += bytes;
  }
  addBytesOut(path: string, kind: OperationKind, bytes: number): void {
    this.entry(path, kind).bytesOut += bytes;
  }

  snapshot(prefix = ""): EmulatorStats {
    const operations: Record<string, OperationStats> = {};
    for (const kind of OPERATION_KINDS) operations[kind] = { requests: 0, bytesIn: 0, bytesOut: 0 };
    for (const [path, kinds] of this.byPath) {
      if (!path.startsWith(prefix)) continue;
      for (const [kind, stats] of kinds) {
        const total = operations[kind]!;
        total.requests += stats.requests;
        total.bytesIn += stats.bytesIn;
        total.bytesOut += stats.bytesOut;
      }
    }
    return { operations };
  }

  reset(prefix = ""): void {
    for (const path of [...this.byPath.keys()]) {
      if (path.startsWith(prefix)) this.byPath.delete(path);
    }
  }
}

// A small LRU of computed diffs keyed by (target, previous, range, target ETag, mode), so each page
// of a paged diff does not recompute it.
import type { PageListItem } from "./pageList";

export class DiffCache {
  private readonly entries = new Map<string, PageListItem[]>();

  constructor(private readonly capacity = 32) {}

  get(key: string): PageListItem[] | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: string, value: PageListItem[]): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }
}

// Content-compare diff: the safe fallback when the journal cannot be trusted. Pages only in the
// target are PageRanges, pages only in the previous snapshot ClearRanges, and pages in both are
// read in windows just over 4 MiB and compared per page.
import type { BlobRef, SideClient } from "../proxy/sideClient";
import { type Interval, intersect, normalize, subtract } from "./rangeSet";

const PAGE = 512;
// Just over 4 MiB: stock Azurite computes an MD5 on reads of 4 MiB or less (the fast emulator only when asked).
const WINDOW = 4 * 1024 * 1024 + 512;

export interface DiffRanges {
  pages: Interval[];
  clears: Interval[];
}

/** Groups intervals into read windows of at most WINDOW bytes. */
function windows(intervals: Interval[]): Interval[][] {
  const groups: Interval[][] = [];
  let current: Interval[] = [];
  for (const interval of intervals) {
    for (let start = interval.start; start < interval.end; start += WINDOW) {
      const piece = { start, end: Math.min(interval.end, start + WINDOW) };
      const first = current[0];
      if (first !== undefined && piece.end - first.start > WINDOW) {
        groups.push(current);
        current = [];
      }
      current.push(piece);
    }
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

function changedPages(group: Interval[], base: number, target: Buffer, previous: Buffer): Interval[] {
  const out: Interval[] = [];
  for (const interval of group) {
    for (let offset = interval.start; offset < interval.end; offset += PAGE) {
      const at = offset - base;
      if (target.compare(previous, at, at + PAGE, at, at + PAGE) !== 0)
        out.push({ start: offset, end: offset + PAGE });
    }
  }
  return out;
}

export async function compareDiff(
  side: SideClient,
  target: BlobRef,
  previous: BlobRef,
  targetPages: Interval[],
  previousPages: Interval[],
): Promise<DiffRanges> {
  const changed: Interval[] = [];
  for (const group of windows(intersect(targetPages, previousPages))) {
    const start = group[0]!.start;
    const end = group[group.length - 1]!.end;
    const [t, p] = await Promise.all([side.read(target, start, end), side.read(previous, start, end)]);
    changed.push(...changedPages(group, start, t, p));
  }
  return {
    pages: normalize([...subtract(targetPages, previousPages), ...changed]),
    clears: subtract(previousPages, targetPages),
  };
}

/** Journal semantics: every touched page present in the target is a PageRange; touched pages
 * present only in the previous snapshot are ClearRanges. */
export function journalDiff(
  touched: Interval[],
  targetPages: Interval[],
  previousPages: Interval[],
): DiffRanges {
  return {
    pages: intersect(touched, targetPages),
    clears: subtract(intersect(touched, previousPages), targetPages),
  };
}

// CPU time the hypervisor gave to other guests while the bench ran (steal, from /proc/stat): on a shared
// virtual machine every rate drops with it, and by different amounts from one scenario to the next.
import { readFileSync } from "node:fs";

/** Jiffies since boot: all, and stolen. Undefined where /proc/stat is not there (not Linux). */
export function cpuTimes(): { total: number; steal: number } | undefined {
  try {
    const fields = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "").trim().split(/\s+/);
    if (fields[0] !== "cpu") return undefined;
    const numbers = fields.slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest times are already inside user and nice)
    const total = numbers.slice(0, 8).reduce((sum, n) => sum + n, 0);
    return { total, steal: numbers[7] ?? 0 };
  } catch {
    return undefined;
  }
}

/** The share of CPU time stolen between two readings; undefined if either is missing. */
export function stolenShare(
  start: ReturnType<typeof cpuTimes>,
  end: ReturnType<typeof cpuTimes>,
): number | undefined {
  if (start === undefined || end === undefined || end.total <= start.total) return undefined;
  return (end.steal - start.steal) / (end.total - start.total);
}

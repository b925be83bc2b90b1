// The UTC calendar periods of the retention rules (pure): an instant's hour, day, ISO 8601 week, month
// and year as sortable keys, so "newest point of each period" is a grouping by key.
import type { PolicyRule } from "./policy";

export type PeriodRule = Exclude<PolicyRule, "last">;

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** ISO 8601 week of a UTC instant: weeks start on Monday, week 1 holds the year's first Thursday. */
export function isoWeekOf(ms: number): { year: number; week: number } {
  const day = new Date(ms);
  const midnight = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate());
  const weekday = (day.getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  const thursday = new Date(midnight + (3 - weekday) * 86_400_000);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * 86_400_000)) + 1;
  return { year, week };
}

/** A key that names the period of `rule` holding the instant `ms` and sorts like time (within a rule). */
export function periodKey(rule: PeriodRule, ms: number): string {
  const d = new Date(ms);
  const year = pad(d.getUTCFullYear(), 4);
  switch (rule) {
    case "yearly":
      return year;
    case "monthly":
      return `${year}-${pad(d.getUTCMonth() + 1)}`;
    case "weekly": {
      const iso = isoWeekOf(ms);
      return `${pad(iso.year, 4)}-W${pad(iso.week)}`;
    }
    case "daily":
      return `${year}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
    case "hourly":
      return `${year}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}`;
  }
}

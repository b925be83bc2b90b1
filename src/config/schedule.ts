// The backup schedule's expected interval, derived from BACKUP_SCHEDULE: the longest gap between two
// consecutive runs over the coming year (or its next 3000 runs), so a weekday-only schedule expects its
// weekend gap, not a day.
import { Cron } from "croner";

const DAY_MS = 24 * 3600 * 1000;
/** Enough runs to see a year of a daily schedule and a month of an hourly one, in well under a second. */
const MAX_RUNS = 3000;
const HORIZON_MS = 400 * DAY_MS;

/** What the schedule promises, in the figures the health check and the dashboard use. */
export interface ScheduleInterval {
  /** The NCRONTAB expression (six fields, UTC). */
  expression: string;
  /** Longest gap between consecutive runs over the horizon. */
  intervalMs: number;
  /** A disk is stale when its newest completed restore point is older than this (twice the interval). */
  staleAfterMs: number;
}

const cache = new Map<string, ScheduleInterval>();

/**
 * The expected interval of a valid six-field NCRONTAB expression (settings.ts validates it first).
 * Runs are taken in UTC, as the Functions timer does without WEBSITE_TIME_ZONE. `from` only matters
 * for schedules whose gaps vary over years (a 29 February run); the result is cached per expression.
 */
export function scheduleInterval(expression: string, from: Date = new Date()): ScheduleInterval {
  const cached = cache.get(expression);
  if (cached) return cached;
  const cron = new Cron(expression, { paused: true, mode: "6-part", timezone: "UTC" });
  let previous = cron.nextRun(from);
  if (previous === null) throw new Error(`BACKUP_SCHEDULE "${expression}" never runs`);
  const first = previous.getTime();
  let longest = 0;
  for (let runs = 1; runs < MAX_RUNS; runs++) {
    const next = cron.nextRun(previous);
    if (next === null) break;
    longest = Math.max(longest, next.getTime() - previous.getTime());
    previous = next;
    if (next.getTime() - first > HORIZON_MS && runs >= 2) break;
  }
  cron.stop();
  if (longest === 0) throw new Error(`BACKUP_SCHEDULE "${expression}" runs only once`);
  const interval = { expression, intervalMs: longest, staleAfterMs: 2 * longest };
  cache.set(expression, interval);
  return interval;
}

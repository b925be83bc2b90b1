// The backup schedule as durations: how often backups are due (the longest gap between the next
// occurrences of BACKUP_SCHEDULE), which bounds how long a run waits for its disks; and the interval the
// health check and the dashboard hold each disk to (the longest gap over the coming year, so a weekday-only
// schedule expects its weekend gap), which tells when a disk's newest restore point is stale.
import { Cron } from "croner";

/** The longest gap between the next `samples` occurrences after `from` (irregular schedules count their worst gap). */
export function scheduleIntervalMs(schedule: string, from: Date = new Date(), samples = 8): number {
  const cron = new Cron(schedule, { paused: true, mode: "6-part", timezone: "UTC" });
  const runs = cron.nextRuns(samples + 1, from);
  cron.stop();
  let longest = 0;
  for (let i = 1; i < runs.length; i++) {
    longest = Math.max(longest, (runs[i]?.getTime() ?? 0) - (runs[i - 1]?.getTime() ?? 0));
  }
  return longest;
}

/** How long a backup run waits for its disks before it reports the rest as still running. */
export function runWaitLimitMs(schedule: string, from?: Date): number {
  return Math.max(60 * 60_000, scheduleIntervalMs(schedule, from));
}

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

// The backup schedule as durations: how often backups are due (the longest gap between the next
// occurrences of BACKUP_SCHEDULE), which bounds how long a run waits for its disks and tells when a
// disk's newest restore point is stale.
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

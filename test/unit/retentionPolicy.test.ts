// The RETENTION setting and the UTC periods of its rules: parsing (any subset, spaces or commas, clear
// errors naming RETENTION), canonical printing, and the period keys at calendar edges (ISO weeks).
import { describe, expect, it } from "vitest";
import { loadSettings, SettingsError } from "../../src/config/settings";
import { isoWeekOf, periodKey } from "../../src/retention/periods";
import { describePolicy, KEEP_EVERYTHING, parseRetention } from "../../src/retention/policy";

const base = {
  BACKUP_SOURCES: "http://127.0.0.1:10000/devstoreaccount1/vhds",
  BACKUP_TARGET: "http://127.0.0.1:10000/devbackupaccount/backups",
};

function settingsError(env: Record<string, string>): SettingsError {
  try {
    loadSettings({ ...base, ...env });
  } catch (error) {
    if (error instanceof SettingsError) return error;
    throw error;
  }
  throw new Error("expected a SettingsError");
}

describe("parseRetention", () => {
  it("reads any subset of the rules, separated by spaces and/or commas", () => {
    expect(parseRetention("last=7 daily=30 weekly=12 monthly=12")).toEqual({
      ok: true,
      value: { last: 7, daily: 30, weekly: 12, monthly: 12 },
    });
    expect(parseRetention(" yearly=3,hourly=24 ,  last=1\tdaily=2\n")).toEqual({
      ok: true,
      value: { yearly: 3, hourly: 24, last: 1, daily: 2 },
    });
    expect(parseRetention("monthly=1")).toEqual({ ok: true, value: { monthly: 1 } });
    expect(parseRetention("DAILY=5")).toEqual({ ok: true, value: { daily: 5 } });
  });

  it("reads nothing as no policy (keep everything)", () => {
    expect(parseRetention(undefined)).toEqual({ ok: true, value: null });
    expect(parseRetention("   ")).toEqual({ ok: true, value: null });
    expect(describePolicy(null)).toBe(KEEP_EVERYTHING);
  });

  it.each([
    ["daily", /not rule=N/],
    ["daily=", /whole number/],
    ["daily=0", /whole number from 1/],
    ["daily=-1", /whole number/],
    ["daily=1.5", /whole number/],
    ["daily=1e3", /whole number/],
    ["daily=2000000", /whole number from 1 to 1000000/],
    ["weekly=2 weekly=3", /given twice/],
    ["fortnightly=2", /unknown rule "fortnightly"/],
    ["last=7;daily=3", /whole number/],
    [",", /lists no rule/],
  ])("refuses %j", (text, message) => {
    const parsed = parseRetention(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(message);
  });

  it("prints the policy in a fixed order", () => {
    const parsed = parseRetention("monthly=12,last=7 weekly=12 daily=30");
    expect(parsed.ok && describePolicy(parsed.value)).toBe("last=7 daily=30 weekly=12 monthly=12");
  });
});

describe("RETENTION and VERIFY_PERCENT settings", () => {
  it("default to keep everything and 5 percent", () => {
    const s = loadSettings(base);
    expect(s.retention).toBeNull();
    expect(s.verifyPercent).toBe(5);
  });

  it("parse valid values", () => {
    const s = loadSettings({
      ...base,
      RETENTION: "last=7 daily=30 weekly=12 monthly=12",
      VERIFY_PERCENT: "2.5",
    });
    expect(s.retention).toEqual({ last: 7, daily: 30, weekly: 12, monthly: 12 });
    expect(s.verifyPercent).toBe(2.5);
    expect(loadSettings({ ...base, VERIFY_PERCENT: "0" }).verifyPercent).toBe(0);
    expect(loadSettings({ ...base, VERIFY_PERCENT: "100" }).verifyPercent).toBe(100);
  });

  it("fail with an error naming the setting", () => {
    const retention = settingsError({ RETENTION: "daily=thirty" });
    expect(retention.setting).toBe("RETENTION");
    expect(retention.message).toMatch(/^RETENTION: "daily=thirty": daily=thirty: the count must be/);
    for (const bad of ["-1", "101", "five", "5%", "1e1"]) {
      const error = settingsError({ VERIFY_PERCENT: bad });
      expect(error.setting).toBe("VERIFY_PERCENT");
      expect(error.message).toMatch(/^VERIFY_PERCENT: .* must be a number from 0 \(off\) to 100/);
    }
  });
});

describe("UTC periods", () => {
  const ms = (iso: string) => Date.parse(iso);

  it.each([
    ["2020-12-31T23:59:59Z", 2020, 53],
    ["2021-01-03T12:00:00Z", 2020, 53],
    ["2021-01-04T00:00:00Z", 2021, 1],
    ["2018-12-31T00:00:00Z", 2019, 1],
    ["2019-12-29T23:00:00Z", 2019, 52],
    ["2019-12-30T00:00:00Z", 2020, 1],
    ["2026-06-15T10:00:00Z", 2026, 25],
    ["2015-12-31T00:00:00Z", 2015, 53],
    ["2016-01-01T00:00:00Z", 2015, 53],
  ])("ISO week of %s is %i-W%i", (iso, year, week) => {
    expect(isoWeekOf(ms(iso))).toEqual({ year, week });
  });

  it("agrees with a day-by-day ISO week count over 30 years", () => {
    // Walk every day: the week number goes up by one each Monday, and back to 1 on the Monday of
    // the week that holds January 4th.
    let expected = isoWeekOf(ms("1999-12-27T00:00:00Z"));
    expect(expected).toEqual({ year: 1999, week: 52 });
    for (let day = ms("1999-12-28T00:00:00Z"); day < ms("2030-01-01T00:00:00Z"); day += 86_400_000) {
      const date = new Date(day);
      if (date.getUTCDay() === 1) {
        const thursday = new Date(day + 3 * 86_400_000);
        const jan4 = Date.UTC(thursday.getUTCFullYear(), 0, 4);
        const firstMonday = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * 86_400_000;
        expected =
          day === firstMonday
            ? { year: thursday.getUTCFullYear(), week: 1 }
            : { year: expected.year, week: expected.week + 1 };
      }
      expect(isoWeekOf(day + 13 * 3_600_000)).toEqual(expected);
    }
  });

  it("names hours, days, weeks, months and years in UTC", () => {
    const t = ms("2024-03-01T00:30:00+02:00"); // 2024-02-29T22:30Z
    expect(periodKey("hourly", t)).toBe("2024-02-29T22");
    expect(periodKey("daily", t)).toBe("2024-02-29");
    expect(periodKey("weekly", t)).toBe("2024-W09");
    expect(periodKey("monthly", t)).toBe("2024-02");
    expect(periodKey("yearly", t)).toBe("2024");
  });
});

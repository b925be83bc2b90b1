// RETENTION and VERIFY_PERCENT as deployed: the Bicep defaults, azd's defaults and the local sample agree
// on `last=7 daily=30 weekly=12 monthly=12` and 5 percent, and pass the app's own validation.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadSettings } from "../../src/config/settings";
import { paramDefault } from "./bicep";

const root = join(__dirname, "..", "..");
const mainBicep = readFileSync(join(root, "infra", "main.bicep"), "utf8");
const sample = JSON.parse(readFileSync(join(root, "local.settings.sample.json"), "utf8")) as {
  Values: Record<string, string>;
};

describe("lifecycle settings in the template and the sample", () => {
  it("set the documented policy and share everywhere", () => {
    expect(paramDefault(mainBicep, "retention")).toBe("last=7 daily=30 weekly=12 monthly=12");
    expect(paramDefault(mainBicep, "verifyPercent")).toBe("5");
    expect(sample.Values.RETENTION).toBe("last=7 daily=30 weekly=12 monthly=12");
    expect(sample.Values.VERIFY_PERCENT).toBe("5");
  });

  it("pass the app's validation", () => {
    const settings = loadSettings({
      BACKUP_SOURCES: "https://src.blob.core.windows.net/vhds",
      BACKUP_TARGET: "https://bak.blob.core.windows.net/backups",
      RETENTION: paramDefault(mainBicep, "retention"),
      VERIFY_PERCENT: paramDefault(mainBicep, "verifyPercent"),
    });
    expect(settings.retention).toEqual({ last: 7, daily: 30, weekly: 12, monthly: 12 });
    expect(settings.verifyPercent).toBe(5);
  });
});

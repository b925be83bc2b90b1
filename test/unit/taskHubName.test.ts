// DURABLE_TASK_HUB_NAME as the Durable Task storage backend requires it: letters and digits, starting with a
// letter, 3 to 45 characters; a bad name is refused at start with an error that names the setting. The Bicep
// parameter carries the same bounds.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadSettings, SettingsError } from "../../src/config/settings";

const base = {
  BACKUP_SOURCES: "http://127.0.0.1:10000/devstoreaccount1/vhds",
  BACKUP_TARGET: "http://127.0.0.1:10000/devbackupaccount/backups",
};

describe("DURABLE_TASK_HUB_NAME", () => {
  it("accepts letters and digits starting with a letter, 3 to 45 long, and leaves it unset when empty", () => {
    for (const name of ["abc", "diskbackup", "DiskBackup2", `a${"1".repeat(44)}`]) {
      expect(loadSettings({ ...base, DURABLE_TASK_HUB_NAME: name }).durableTaskHubName).toBe(name);
    }
    expect(loadSettings({ ...base, DURABLE_TASK_HUB_NAME: " " }).durableTaskHubName).toBeUndefined();
  });

  it("refuses anything else, naming the setting", () => {
    for (const name of [
      "ab",
      "1hub",
      "disk-backup",
      "disk_backup",
      "hub name",
      `a${"1".repeat(45)}`,
      "hüb",
    ]) {
      let error: unknown;
      try {
        loadSettings({ ...base, DURABLE_TASK_HUB_NAME: name });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(SettingsError);
      expect((error as SettingsError).setting).toBe("DURABLE_TASK_HUB_NAME");
      expect((error as Error).message).toMatch(/^DURABLE_TASK_HUB_NAME: .*letters and digits only/);
    }
  });

  it("has the same bounds in the Bicep parameter", () => {
    const main = readFileSync(path.resolve(__dirname, "../../infra/main.bicep"), "utf8");
    const block = /((?:@[^\n]+\n)+)param taskHubName string/.exec(main)?.[1] ?? "";
    expect(block).toContain("@minLength(3)");
    expect(block).toContain("@maxLength(45)");
    expect(main).toMatch(/var taskHubNameValid = /);
  });
});

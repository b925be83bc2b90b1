// Settings parsing (README "Configuration"): defaults, both URL styles, and errors that name the setting.
import { describe, expect, it } from "vitest";
import {
  loadSettings,
  SETTING_NAMES,
  SettingsError,
  storageEndpointsOf,
  validateSchedule,
} from "../../src/config/settings";

const KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
const base = {
  BACKUP_SOURCES: "http://127.0.0.1:10000/devstoreaccount1/vhds",
  BACKUP_TARGET: "http://127.0.0.1:10000/devbackupaccount/backups",
};

function errorOf(env: Record<string, string>): SettingsError {
  try {
    loadSettings(env);
  } catch (error) {
    if (error instanceof SettingsError) return error;
    throw error;
  }
  throw new Error("expected a SettingsError");
}

describe("loadSettings", () => {
  it('applies the documented defaults (README "Configuration")', () => {
    const s = loadSettings(base);
    expect(s.schedule).toBe("0 0 */12 * * *");
    expect(s.lineageTable.url).toBe("http://127.0.0.1:10002/devbackupaccount/lineage");
    expect(s.accountKeys).toEqual({});
    expect(s.sources).toHaveLength(1);
    expect(s.sources[0]).toMatchObject({
      accountName: "devstoreaccount1",
      containerName: "vhds",
      blobName: undefined,
    });
  });

  it("parses Azure host-style URLs, blob URLs with slashes and several separators", () => {
    const s = loadSettings({
      BACKUP_SOURCES:
        "https://src1.blob.core.windows.net/vhds/a/b.vhd, https://src2.blob.core.windows.net/disks\nhttps://src1.blob.core.windows.net/vhds/a/b.vhd",
      BACKUP_TARGET: "https://bak.blob.core.windows.net/backups",
    });
    expect(s.sources.map((x) => [x.accountName, x.containerName, x.blobName])).toEqual([
      ["src1", "vhds", "a/b.vhd"],
      ["src2", "disks", undefined],
    ]);
    expect(s.lineageTable.url).toBe("https://bak.table.core.windows.net/lineage");
    expect(s.target.serviceUrl).toBe("https://bak.blob.core.windows.net");
  });

  it("reads LINEAGE_TABLE as a URL or a bare table name, and account keys", () => {
    const s = loadSettings({
      ...base,
      LINEAGE_TABLE: "http://127.0.0.1:4567/devbackupaccount/restorepoints",
      STORAGE_ACCOUNT_KEYS: `devstoreaccount1:${KEY};devbackupaccount:${KEY}`,
    });
    expect(s.lineageTable).toMatchObject({
      serviceUrl: "http://127.0.0.1:4567/devbackupaccount",
      tableName: "restorepoints",
    });
    expect(s.accountKeys.devbackupaccount).toBe(KEY);
    expect(loadSettings({ ...base, LINEAGE_TABLE: "history" }).lineageTable.tableName).toBe("history");
  });

  it.each([
    [{ BACKUP_TARGET: base.BACKUP_TARGET }, "BACKUP_SOURCES"],
    [{ BACKUP_SOURCES: "not a url", BACKUP_TARGET: base.BACKUP_TARGET }, "BACKUP_SOURCES"],
    [
      { BACKUP_SOURCES: "https://a.blob.core.windows.net/c/d?sig=x", BACKUP_TARGET: base.BACKUP_TARGET },
      "BACKUP_SOURCES",
    ],
    [{ BACKUP_SOURCES: base.BACKUP_SOURCES }, "BACKUP_TARGET"],
    [{ ...base, BACKUP_TARGET: "http://127.0.0.1:10000/devbackupaccount/backups/x.vhd" }, "BACKUP_TARGET"],
    [{ ...base, BACKUP_SCHEDULE: "0 */5 * * *" }, "BACKUP_SCHEDULE"],
    [{ ...base, BACKUP_SCHEDULE: "0 0 25 * * *" }, "BACKUP_SCHEDULE"],
    [{ ...base, STORAGE_ACCOUNT_KEYS: "devstoreaccount1" }, "STORAGE_ACCOUNT_KEYS"],
    [{ ...base, STORAGE_ACCOUNT_KEYS: `Bad_Name:${KEY}` }, "STORAGE_ACCOUNT_KEYS"],
    [{ ...base, LINEAGE_TABLE: "1bad" }, "LINEAGE_TABLE"],
    [{ ...base, BACKUP_TARGET: "http://127.0.0.1:4000/devbackupaccount/backups" }, "LINEAGE_TABLE"],
    [{ ...base, RESTORE_TARGETS: "http://127.0.0.1:10000/devbackupaccount/restores" }, "RESTORE_TARGETS"],
    [{ ...base, RESTORE_TARGETS: "http://127.0.0.1:10000/devbackupaccount" }, "RESTORE_TARGETS"],
    [{ ...base, RESTORE_TARGETS: "http://127.0.0.1:10000/devstoreaccount1/vhds/x.vhd" }, "RESTORE_TARGETS"],
    [{ ...base, RESTORE_TARGETS: "https://acct.blob.core.windows.net./restores" }, "RESTORE_TARGETS"],
    [{ ...base, RESTORE_TARGETS: "http://127.0.0.1:10000/devstoreaccount1/..%2Fx" }, "RESTORE_TARGETS"],
  ])("rejects %o naming %s", (env, setting) => {
    const error = errorOf(env);
    expect(error.setting).toBe(setting);
    expect(error.message.startsWith(`${setting}:`)).toBe(true);
  });

  it("reads RESTORE_TARGETS (accounts or containers) and builds clients only for the configured endpoints", () => {
    const s = loadSettings({
      ...base,
      RESTORE_TARGETS:
        "https://other.blob.core.windows.net, http://127.0.0.1:10000/devstoreaccount1/restores/",
    });
    expect(s.restoreTargets).toEqual([
      {
        serviceUrl: "https://other.blob.core.windows.net",
        accountName: "other",
        containerName: undefined,
        pathStyle: false,
      },
      {
        serviceUrl: "http://127.0.0.1:10000/devstoreaccount1",
        accountName: "devstoreaccount1",
        containerName: "restores",
        pathStyle: true,
      },
    ]);
    expect(storageEndpointsOf(s)).toEqual({
      blob: [
        "http://127.0.0.1:10000/devstoreaccount1",
        "https://other.blob.core.windows.net",
        "http://127.0.0.1:10000/devbackupaccount",
      ],
      table: ["http://127.0.0.1:10002/devbackupaccount"],
    });
    expect(loadSettings(base).restoreTargets).toEqual([]);
  });

  it("lists every setting it reads", () => {
    for (const name of [
      "BACKUP_SOURCES",
      "BACKUP_TARGET",
      "LINEAGE_TABLE",
      "BACKUP_SCHEDULE",
      "STORAGE_ACCOUNT_KEYS",
      "RESTORE_TARGETS",
    ]) {
      expect(SETTING_NAMES).toContain(name);
    }
  });

  it("accepts six-field NCRONTAB schedules", () => {
    expect(validateSchedule("*/30 * * * * *")).toBeUndefined();
    expect(validateSchedule("0 0 2 * * 1-5")).toBeUndefined();
  });
});

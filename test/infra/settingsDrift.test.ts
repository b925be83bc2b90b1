// Fails when the settings the code reads (SETTING_NAMES) and the app settings the Bicep sets drift apart,
// and when values shaped like the Bicep's would not pass the app's own validation.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_SCHEDULE, loadSettings, SETTING_NAMES } from "../../src/config/settings";
import {
  appSettingsBlocks,
  appSettingsUnions,
  matchingBracket,
  objectKeys,
  paramDefault,
  readBicepFiles,
} from "./bicep";
import { FLEX_FORBIDDEN, isSet, LOCAL_ONLY, PLATFORM_PREFIXES } from "./settingsPolicy";

const root = join(__dirname, "..", "..");
const files = readBicepFiles(root);
const blocks = appSettingsBlocks(files);
const bicepSettings = blocks.flatMap((b) => b.names);
const mainBicep = readFileSync(join(root, "infra", "main.bicep"), "utf8");

describe("the Bicep reader", () => {
  const sample = `
var someAppSettings = {
  // a comment with a brace { and a quote '
  PLAIN: 'https://x/{y}'
  'quoted-key': concat('a', 'b')
  NESTED: { inner: 1, other: [1, 2] }
  LAST: cond ? 'x' : 'y' // trailing comment: 'z'
}
var otherAppSettings = flag
  ? {
      ONLY_IF: '1'
    }
  : {}
resource s 'x' = {
  name: 'appsettings'
  properties: union(someAppSettings, otherAppSettings)
}
`;

  it("reads top-level keys, skipping nested objects, strings and comments", () => {
    const open = sample.indexOf("{", sample.indexOf("someAppSettings"));
    expect(objectKeys(sample, open)).toEqual(["PLAIN", "quoted-key", "NESTED", "LAST"]);
  });

  it("finds every *AppSettings variable, including the populated branch of a conditional", () => {
    const found = appSettingsBlocks([{ path: "sample.bicep", text: sample }]);
    expect(found.map((b) => [b.variable, b.names])).toEqual([
      ["someAppSettings", ["PLAIN", "quoted-key", "NESTED", "LAST"]],
      ["otherAppSettings", ["ONLY_IF"]],
    ]);
    expect(appSettingsUnions([{ path: "sample.bicep", text: sample }])).toEqual([
      { file: "sample.bicep", variables: ["someAppSettings", "otherAppSettings"] },
    ]);
  });

  it("rejects unbalanced brackets instead of guessing", () => {
    expect(() => matchingBracket("{ a: [1, 2 }", 0)).toThrow(/unbalanced/);
    expect(() => matchingBracket("{ a: 1", 0)).toThrow(/no closing/);
  });
});

describe("app settings: code vs Bicep", () => {
  it("builds the app settings in one place, only from *AppSettings variables", () => {
    const unions = appSettingsUnions(files);
    expect(unions).toHaveLength(1);
    expect([...(unions[0]?.variables ?? [])].sort()).toEqual(blocks.map((b) => b.variable).sort());
    expect(bicepSettings.length).toBeGreaterThanOrEqual(6);
    expect(new Set(bicepSettings).size).toBe(bicepSettings.length);
  });

  it("sets every setting the code reads, except the documented local-only ones", () => {
    const missing = SETTING_NAMES.filter((name) => !(name in LOCAL_ONLY) && !isSet(name, bicepSettings));
    expect(missing).toEqual([]);
  });

  it("never sets the local-only settings, nor those Flex Consumption rejects", () => {
    const wrong = [...Object.keys(LOCAL_ONLY), ...FLEX_FORBIDDEN].filter((name) =>
      isSet(name, bicepSettings),
    );
    expect(wrong).toEqual([]);
  });

  it("sets nothing the code does not read, except platform settings", () => {
    const codeNames: readonly string[] = SETTING_NAMES;
    const unexplained = bicepSettings.filter(
      (name) => !isSet(name, codeNames) && !codeNames.some((c) => name.startsWith(`${c}__`)),
    );
    const notPlatform = unexplained.filter((name) => !PLATFORM_PREFIXES.some((p) => name.startsWith(p)));
    expect(notPlatform).toEqual([]);
  });

  it("gives the Node 22 runtime through functionAppConfig (what FUNCTIONS_WORKER_RUNTIME means elsewhere)", () => {
    const app = files.find((f) => f.text.includes("functionAppConfig:"));
    expect(app?.text).toMatch(/runtime:\s*\{\s*name:\s*'node'\s*version:\s*'22'\s*\}/);
  });

  it("documents only exceptions that exist", () => {
    const sample = JSON.parse(readFileSync(join(root, "local.settings.sample.json"), "utf8")) as {
      Values: Record<string, string>;
    };
    const known = new Set<string>([...SETTING_NAMES, ...Object.keys(sample.Values)]);
    expect(Object.keys(LOCAL_ONLY).filter((name) => !known.has(name))).toEqual([]);
  });
});

describe("values shaped like the Bicep's pass the app's validation", () => {
  it("accepts the deployed URLs, default schedule and task hub name", () => {
    const schedule = paramDefault(mainBicep, "backupSchedule");
    const hub = paramDefault(mainBicep, "taskHubName");
    expect(schedule).toBe(DEFAULT_SCHEDULE);
    // Bicep builds these from the account's primaryEndpoints ('https://<acct>.blob.core.windows.net/').
    const settings = loadSettings({
      BACKUP_SOURCES:
        "https://srcdisks.blob.core.windows.net/vhds, https://srcdisks.blob.core.windows.net/osdisks/vm1.vhd",
      BACKUP_TARGET: "https://stbkabc123.blob.core.windows.net/backups",
      LINEAGE_TABLE: "https://stbkabc123.table.core.windows.net/lineage",
      BACKUP_SCHEDULE: schedule,
      DURABLE_TASK_HUB_NAME: hub,
      AZURE_CLIENT_ID: "00000000-0000-0000-0000-000000000001",
    });
    expect(settings.sources).toHaveLength(2);
    expect(settings.target.accountName).toBe("stbkabc123");
    expect(settings.lineageTable.tableName).toBe(paramDefault(mainBicep, "lineageTableName"));
    expect(settings.accountKeys).toEqual({});
    expect(settings.durableTaskHubName).toMatch(/^[A-Za-z][A-Za-z0-9]{2,44}$/);
  });

  it("keeps azd's defaults in main.parameters.json equal to the Bicep defaults", () => {
    const parameters = readFileSync(join(root, "infra", "main.parameters.json"), "utf8");
    const azdDefaults = [...parameters.matchAll(/"(\w+)":\s*\{\s*"value":\s*"\$\{\w+=([^}]*)\}"/g)];
    expect(azdDefaults.length).toBeGreaterThanOrEqual(5);
    for (const [, param, value] of azdDefaults) {
      const bicepDefault = paramDefault(mainBicep, param ?? "");
      expect({ param, value }).toEqual({ param, value: bicepDefault ?? "" });
    }
  });
});

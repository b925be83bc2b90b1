// Keeps host.json, local.settings.sample.json, the code's settings and the Bicep app settings consistent.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadSettings, SETTING_NAMES } from "../../src/config/settings";
import { appSettingsBlocks, placeholders, readBicepFiles } from "./bicep";
import { AZURE_ONLY, isSet } from "./settingsPolicy";

const root = join(__dirname, "..", "..");
const hostText = readFileSync(join(root, "host.json"), "utf8");
const host = JSON.parse(hostText) as {
  version?: string;
  extensionBundle?: { id?: string; version?: string };
  extensions?: { http?: { routePrefix?: string } };
};
const sample = JSON.parse(readFileSync(join(root, "local.settings.sample.json"), "utf8")) as {
  IsEncrypted?: boolean;
  Values: Record<string, string>;
};
const bicepSettings = appSettingsBlocks(readBicepFiles(root)).flatMap((b) => b.names);

describe("placeholder reader", () => {
  it("finds each %SETTING% once and ignores lone percent signs", () => {
    expect(placeholders('{"a":"%ONE%","b":"x%TWO%y","c":"%ONE%","d":"50% off","e":"%%"}')).toEqual([
      "ONE",
      "TWO",
    ]);
  });
});

describe("host.json", () => {
  const used = placeholders(hostText);

  it("binds the task hub name from a setting", () => {
    expect(used).toContain("DURABLE_TASK_HUB_NAME");
  });

  it("resolves every %SETTING% locally and in Azure", () => {
    expect(used.filter((name) => !(name in sample.Values))).toEqual([]);
    expect(used.filter((name) => !isSet(name, bicepSettings))).toEqual([]);
  });

  it("uses extension bundle 4.x and the /api route prefix", () => {
    expect(host.version).toBe("2.0");
    expect(host.extensionBundle?.id).toBe("Microsoft.Azure.Functions.ExtensionBundle");
    expect(host.extensionBundle?.version).toBe("[4.*, 5.0.0)");
    expect(host.extensions?.http?.routePrefix).toBe("api");
  });
});

describe("local.settings.sample.json", () => {
  it("has every setting the code reads, except the documented Azure-only ones", () => {
    const missing = SETTING_NAMES.filter((name) => !(name in AZURE_ONLY) && !(name in sample.Values));
    expect(missing).toEqual([]);
  });

  it("runs the node worker, unencrypted", () => {
    expect(sample.IsEncrypted).toBe(false);
    expect(sample.Values.FUNCTIONS_WORKER_RUNTIME).toBe("node");
  });

  it("passes the app's own settings validation", () => {
    const settings = loadSettings(sample.Values);
    expect(settings.sources.length).toBeGreaterThan(0);
    expect(Object.keys(settings.accountKeys).sort()).toEqual(["devbackupaccount", "devstoreaccount1"]);
  });

  it("documents only Azure-only exceptions that the code reads", () => {
    const codeNames: readonly string[] = SETTING_NAMES;
    expect(Object.keys(AZURE_ONLY).filter((name) => !codeNames.includes(name))).toEqual([]);
  });
});

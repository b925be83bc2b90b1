// The alerts (infra/modules/alerts.bicep, infra/alerts/*.kql) and the template review's fixes, checked without
// a Bicep CLI: the rules read the step events the app writes (prefix, field and step names from the code),
// the stale threshold is twice the default schedule's interval, the README shows each query as deployed,
// deployment names carry the resource token, source ids are merged, the backup account must be Standard GPv2.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { backupActivities } from "../../src/activities/backup";
import { restoreActivities } from "../../src/activities/restore";
import { STEP_EVENT_PREFIX, type StepEvent, stepEventOf } from "../../src/app/stepEvents";
import { scheduleInterval } from "../../src/config/schedule";
import { matchingBracket, paramDefault, paramNames, readBicepFiles } from "./bicep";

const root = join(__dirname, "..", "..");
const files = readBicepFiles(root);
const text = (path: string) => files.find((f) => f.path === path)?.text ?? "";
const main = text("infra/main.bicep");
const alerts = text("infra/modules/alerts.bicep");
const readme = readFileSync(join(root, "README.md"), "utf8");
const kqlDir = join(root, "infra", "alerts");
const queries = readdirSync(kqlDir)
  .filter((f) => f.endsWith(".kql"))
  .sort()
  .map((name) => ({ name, kql: readFileSync(join(kqlDir, name), "utf8") }));

/** Field names of an event, from a real one (the type has no runtime keys). */
const eventFields = Object.keys(
  stepEventOf({
    procedure: "p",
    step: "s",
    input: null,
    durationMs: 0,
    result: { outcome: "succeeded", value: null },
  }),
) as Array<keyof StepEvent>;

describe("alert rules", () => {
  it("are three log search rules over the queries in infra/alerts, with an e-mail action group", () => {
    expect(queries.map((q) => q.name)).toEqual(["failed-backup.kql", "failed-restore.kql", "stale-disk.kql"]);
    for (const { name } of queries) expect(alerts).toContain(`loadTextContent('../alerts/${name}')`);
    expect(alerts).toMatch(/resource alertRules 'Microsoft\.Insights\/scheduledQueryRules@[\w-]+' = \[/);
    expect(alerts).toMatch(/kind: 'LogAlert'/);
    expect(alerts).toMatch(/scopes: \[appInsightsId\]/);
    expect(alerts).toMatch(
      /resource actionGroup 'Microsoft\.Insights\/actionGroups@[\w-]+' = if \(withEmail\)/,
    );
    expect(alerts).toMatch(/emailAddress: alertEmail/);
    expect(alerts).toMatch(/actionGroups: withEmail \? \[actionGroup\.id\] : \[\]/);
  });

  it("are deployed by main.bicep, with the e-mail and the threshold from azd variables", () => {
    expect(main).toMatch(/^module alerts 'modules\/alerts\.bicep' = \{/m);
    const open = main.indexOf("{", main.indexOf("module alerts"));
    const body = main.slice(open, matchingBracket(main, open));
    expect(body).toMatch(/appInsightsId: monitoring\.outputs\.appInsightsId/);
    expect(body).toMatch(/alertEmail: alertEmail/);
    expect(body).toMatch(/staleAfter: staleAfter/);
    expect(paramNames(main)).toEqual(expect.arrayContaining(["alertEmail", "staleAfter"]));
    const parameters = readFileSync(join(root, "infra", "main.parameters.json"), "utf8");
    expect(parameters).toContain(`"value": "\${ALERT_EMAIL=}"`);
    expect(parameters).toContain(`"value": "\${STALE_AFTER=24h}"`);
  });

  it("call a disk stale after twice the default schedule's interval", () => {
    const schedule = paramDefault(main, "backupSchedule") ?? "";
    const staleAfter = paramDefault(main, "staleAfter") ?? "";
    const hours = Number(/^(\d+)h$/.exec(staleAfter)?.[1]);
    expect(hours * 3600_000).toBe(scheduleInterval(schedule).staleAfterMs);
    expect(queries.find((q) => q.name === "stale-disk.kql")?.kql).toContain("let staleAfter = {staleAfter};");
    expect(alerts).toContain(
      "replace(loadTextContent('../alerts/stale-disk.kql'), '{staleAfter}', staleAfter)",
    );
  });

  it("read the events the app writes: its prefix, its field names, steps that exist", () => {
    const steps = new Set([...Object.keys(backupActivities), ...Object.keys(restoreActivities)]);
    for (const { name, kql } of queries) {
      expect(kql.split("\n")).toContain("traces");
      expect(kql).toContain(`| where message startswith "${STEP_EVENT_PREFIX}"`);
      expect(kql).toContain(`parse_json(substring(message, ${STEP_EVENT_PREFIX.length}))`);
      const fields = [...kql.matchAll(/\be\.(\w+)/g)].map((m) => m[1] ?? "");
      expect({ name, unknown: fields.filter((f) => !eventFields.includes(f as keyof StepEvent)) }).toEqual({
        name,
        unknown: [],
      });
      const named = [...kql.matchAll(/e\.step\) == "(\w+)"/g)].map((m) => m[1] ?? "");
      expect(named.length).toBeGreaterThan(0);
      expect({ name, missing: named.filter((s) => !steps.has(s)) }).toEqual({ name, missing: [] });
      // Every rule alerts per disk: the query returns the disk id.
      expect(kql).toMatch(/diskId/);
    }
  });

  it("are shown in the README as deployed", () => {
    for (const { name, kql } of queries) {
      expect({ name, shown: readme.includes(kql.trimEnd()) }).toEqual({ name, shown: true });
    }
  });
});

describe("the template review's fixes", () => {
  it("name every module deployment with the environment's resource token", () => {
    // The first `name:` after each `module` line is its deployment name.
    const names = [...main.matchAll(/^module\s/gm)].map(
      (m) => /name:\s*'([^']*)'/.exec(main.slice(m.index ?? 0))?.[1] ?? "",
    );
    expect(names.length).toBe([...main.matchAll(/^module\s/gm)].length);
    expect(names.filter((n) => !n.includes(`\${resourceToken}`))).toEqual([]);
    expect(new Set(names).size).toBe(names.length);
  });

  it("merge duplicate source account ids (case, trailing slash) before assigning roles", () => {
    expect(main).toMatch(/id => toLower\(endsWith\(id, '\/'\)/);
    expect(main).toMatch(
      /var sourceIds = filter\(sourceIdList, \(id, i\) => indexOf\(sourceIdList, id\) == i\)/,
    );
    expect(main).toMatch(/for \(id, i\) in sourceIds:/);
  });

  it("refuse an existing backup account that is not Standard general-purpose v2", () => {
    const access = text("infra/modules/backup-access.bicep");
    expect(access).toMatch(
      /var isStandardGpv2 = account\.kind == 'StorageV2' && account\.sku\.tier == 'Standard'/,
    );
    expect(access).toMatch(/isStandardGpv2\s*\?\s*'None'\s*:\s*fail\(/);
    const created = text("infra/modules/backup-storage.bicep");
    expect(created).toMatch(/kind: 'StorageV2'/);
    expect(main).toMatch(/@allowed\(\['Standard_LRS', 'Standard_ZRS', 'Standard_GRS', 'Standard_RAGRS'\]\)/);
  });

  it("validate the task hub name as the storage backend requires", () => {
    expect(main).toMatch(/var hubName = taskHubNameValid\s*\?\s*taskHubName\s*:\s*fail\(/);
    expect([...main.matchAll(/taskHubName: (\w+)/g)].map((m) => m[1])).toEqual(["hubName", "hubName"]);
  });
});

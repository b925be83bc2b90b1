// The compute roles for managed disks (infra/modules/compute-roles.bicep) hold exactly the Resource
// Manager actions the app uses, nothing on storage accounts and no wildcard; main.bicep assigns them on
// the source disks (or groups), the snapshot groups and the restore groups; the README documents them.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(__dirname, "..", "..");
const roles = readFileSync(join(root, "infra", "modules", "compute-roles.bicep"), "utf8");
const main = readFileSync(join(root, "infra", "main.bicep"), "utf8");
const readme = readFileSync(join(root, "README.md"), "utf8");

/** The quoted actions of the role resource `name` (diskOperations expanded). */
function actionsOf(name: string): string[] {
  const start = roles.indexOf(`\nresource ${name} `);
  const end = roles.indexOf("\nresource ", start + 10);
  const body = roles.slice(start, end < 0 ? undefined : end);
  const block = /actions:\s*\[([\s\S]*?)\]/.exec(body)?.[1] ?? "";
  const quoted = [...block.matchAll(/'([^']+)'/g)].map((m) => m[1] ?? "");
  const expanded = /\bdiskOperations\b/.test(block)
    ? [...quoted, "Microsoft.Compute/locations/diskOperations/read"]
    : quoted;
  return expanded.sort();
}

describe("compute roles", () => {
  it("grant exactly what backup and restore of managed disks use", () => {
    expect(actionsOf("sourceReader")).toEqual([
      "Microsoft.Compute/disks/beginGetAccess/action",
      "Microsoft.Compute/disks/read",
    ]);
    expect(actionsOf("snapshotOperator")).toEqual(
      [
        "Microsoft.Compute/locations/diskOperations/read",
        "Microsoft.Compute/snapshots/beginGetAccess/action",
        "Microsoft.Compute/snapshots/delete",
        "Microsoft.Compute/snapshots/endGetAccess/action",
        "Microsoft.Compute/snapshots/read",
        "Microsoft.Compute/snapshots/write",
      ].sort(),
    );
    expect(actionsOf("restoreOperator")).toEqual(
      [
        "Microsoft.Compute/disks/beginGetAccess/action",
        "Microsoft.Compute/disks/endGetAccess/action",
        "Microsoft.Compute/disks/read",
        "Microsoft.Compute/disks/write",
        "Microsoft.Compute/locations/diskOperations/read",
      ].sort(),
    );
    expect(roles).not.toMatch(/Microsoft\.Storage|\*'|dataActions:\s*\[\s*'/);
  });

  it("are assigned on the sources, the snapshot groups and the restore groups, with the settings the app reads", () => {
    for (const module of [
      "computeRoles",
      "managedSourceAccess",
      "snapshotAccess",
      "restoreGroupAccess",
      "snapshotGroups",
    ]) {
      expect(main).toMatch(new RegExp(`^module ${module} `, "m"));
    }
    expect(main).toMatch(/roleGuid: useManagedDisks \? computeRoles\.outputs\.sourceReaderGuid/);
    expect(main).toMatch(/roleGuid: useManagedDisks \? computeRoles\.outputs\.snapshotOperatorGuid/);
    expect(main).toMatch(/roleGuid: useManagedDisks \? computeRoles\.outputs\.restoreOperatorGuid/);
    expect(main).toMatch(/armEndpoint: environment\(\)\.resourceManager/);
    const app = readFileSync(join(root, "infra", "modules", "function-app.bicep"), "utf8");
    expect(app).toMatch(/SNAPSHOT_RESOURCE_GROUP: snapshotResourceGroup/);
    expect(app).toMatch(/ARM_ENDPOINT: armEndpoint/);
  });

  it("are documented in the README", () => {
    for (const name of [
      "Disk Backup Managed Source Reader",
      "Disk Backup Snapshot Operator",
      "Disk Backup Restore Operator",
    ]) {
      expect(readme).toContain(name);
    }
  });
});

// Structural checks on infra/ that need no Bicep CLI: parameters wired, modules present, storage locked
// down, roles least-privilege and documented, azd pointed at the function app.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { guidLiterals, matchingBracket, modulePaths, paramNames, readBicepFiles } from "./bicep";

const root = join(__dirname, "..", "..");
const files = readBicepFiles(root);
const main = files.find((f) => f.path === "infra/main.bicep");
// The deploy guide is the README's "Deploy to Azure" section.
const deployDoc = readFileSync(join(root, "README.md"), "utf8");

// Control-plane roles that would let the app change or delete accounts: never granted.
const FORBIDDEN_ROLES: Record<string, string> = {
  "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
  "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
  "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
  "17d1049b-9a84-46fb-8f53-869881c3d3ab": "Storage Account Contributor",
};
const BLOB_DATA_OWNER = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";

describe("infra/main.bicep and main.parameters.json", () => {
  it("exists, and declares every parameter the parameters file sets", () => {
    expect(main).toBeDefined();
    const declared = paramNames(main?.text ?? "");
    const file = JSON.parse(readFileSync(join(root, "infra", "main.parameters.json"), "utf8")) as {
      parameters: Record<string, unknown>;
    };
    expect(Object.keys(file.parameters).filter((p) => !declared.includes(p))).toEqual([]);
    // Parameters without a default must come from azd (or the deployment fails before creating anything).
    const required = [...(main?.text ?? "").matchAll(/^param\s+(\w+)\s+\w+\s*$/gm)].map((m) => m[1] ?? "");
    expect(required.sort()).toEqual(["backupSources", "environmentName", "location"]);
    expect(required.filter((p) => !(p in file.parameters))).toEqual([]);
  });

  it("references only module files that exist", () => {
    for (const file of files) {
      for (const path of modulePaths(file.text)) {
        expect({ from: file.path, path, exists: existsSync(join(root, dirname(file.path), path)) }).toEqual({
          from: file.path,
          path,
          exists: true,
        });
      }
    }
    expect(modulePaths(main?.text ?? "").length).toBeGreaterThanOrEqual(8);
  });
});

describe("storage accounts the template creates", () => {
  const created = files.flatMap((file) =>
    [...file.text.matchAll(/^resource\s+\w+\s+'Microsoft\.Storage\/storageAccounts@[\w-]+'\s*=\s*\{/gm)].map(
      (m) => {
        const open = (m.index ?? 0) + m[0].length - 1;
        return { file: file.path, body: file.text.slice(open, matchingBracket(file.text, open)) };
      },
    ),
  );

  it("are the host and the backup account", () => {
    expect(created.map((c) => c.file).sort()).toEqual([
      "infra/modules/backup-storage.bicep",
      "infra/modules/host-storage.bicep",
    ]);
  });

  it("turn shared keys and public blob access off and require TLS 1.2", () => {
    for (const { file, body } of created) {
      expect({ file, keys: /allowSharedKeyAccess:\s*false/.test(body) }).toEqual({ file, keys: true });
      expect({ file, publicBlobs: /allowBlobPublicAccess:\s*false/.test(body) }).toEqual({
        file,
        publicBlobs: true,
      });
      expect({ file, tls: /minimumTlsVersion:\s*'TLS1_2'/.test(body) }).toEqual({ file, tls: true });
    }
  });
});

describe("role assignments", () => {
  const roles = files.flatMap((f) => guidLiterals(f.text).map((guid) => ({ file: f.path, guid })));

  it("never grant Owner, Contributor, User Access Administrator or Storage Account Contributor", () => {
    expect(roles.filter((r) => r.guid in FORBIDDEN_ROLES)).toEqual([]);
  });

  it("grant Storage Blob Data Owner only on the host storage account", () => {
    expect([...new Set(roles.filter((r) => r.guid === BLOB_DATA_OWNER).map((r) => r.file))]).toEqual([
      "infra/modules/host-storage.bicep",
    ]);
  });

  it("are each documented in the README", () => {
    expect(roles.length).toBeGreaterThanOrEqual(7);
    expect([...new Set(roles.map((r) => r.guid))].filter((guid) => !deployDoc.includes(guid))).toEqual([]);
  });

  it("limit deletes on source accounts to snapshots", () => {
    const source = files.find((f) => f.path === "infra/modules/source-access.bicep")?.text ?? "";
    expect(source).toContain(
      "Exists @Request[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:snapshot]",
    );
    expect(source).toMatch(/condition:\s*deleteOnlySnapshots/);
    expect(source).toMatch(/conditionVersion:\s*'2\.0'/);
  });
});

describe("azure.yaml", () => {
  it("deploys the repository root as a TypeScript function app named like the Bicep tag", () => {
    const yaml = readFileSync(join(root, "azure.yaml"), "utf8");
    expect(yaml).toMatch(/^services:\s*\n\s+api:\s*\n/m);
    expect(yaml).toMatch(/^\s+project:\s*\.\s*$/m);
    expect(yaml).toMatch(/^\s+language:\s*ts\s*$/m);
    expect(yaml).toMatch(/^\s+host:\s*function\s*$/m);
    const app = files.find((f) => f.path === "infra/modules/function-app.bicep")?.text ?? "";
    expect(app).toContain("'azd-service-name': 'api'");
  });
});

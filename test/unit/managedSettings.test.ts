// Settings and requests for managed disks (pure): resource IDs in BACKUP_SOURCES and RESTORE_TARGETS,
// SNAPSHOT_RESOURCE_GROUP, ARM_ENDPOINT and the CA trusted for it (read only for another cloud than the
// public one), every error naming its setting; `targetDisk` in a restore request; where a restore may
// create a disk (decided before any request).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseComputeId, parseGroupId } from "../../src/compute/resourceIds";
import { computeSubscriptionsOf, loadSettings, SettingsError } from "../../src/config/settings";
import { targetGroupOf } from "../../src/restore/diskTarget";
import { parseRestoreRequest } from "../../src/restore/request";

const SUB = "00000000-0000-0000-0000-000000000000";
const OTHER = "11111111-2222-3333-4444-555555555555";
const DISK = `/subscriptions/${SUB}/resourceGroups/local-rg/providers/Microsoft.Compute/disks/data1`;
const GROUP = `/subscriptions/${OTHER}/resourceGroups/prod-vms`;
const base = {
  BACKUP_SOURCES: `http://127.0.0.1:10000/devstoreaccount1/vhds ${DISK}, ${GROUP}`,
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

describe("managed-disk settings", () => {
  it("mixes page-blob URLs, managed disk IDs and resource group IDs in BACKUP_SOURCES", () => {
    const s = loadSettings(base);
    expect(s.sources.map((x) => x.url)).toEqual(["http://127.0.0.1:10000/devstoreaccount1/vhds"]);
    expect(s.managedSources).toEqual([
      { kind: "disk", disk: { subscriptionId: SUB, resourceGroup: "local-rg", name: "data1", id: DISK } },
      { kind: "group", group: { subscriptionId: OTHER, resourceGroup: "prod-vms", id: GROUP } },
    ]);
    expect(s.armEndpoint).toBe("https://management.azure.com");
    expect(s.snapshotResourceGroup).toBeUndefined();
    expect(computeSubscriptionsOf(s).sort()).toEqual([SUB, OTHER]);
    // Only managed disks: no URL at all is fine.
    expect(
      loadSettings({ ...base, BACKUP_SOURCES: DISK.toUpperCase().replace(SUB, SUB) }).managedSources,
    ).toHaveLength(1);
  });

  it("refuses malformed resource IDs, naming BACKUP_SOURCES", () => {
    for (const bad of [
      "/subscriptions/not-a-guid/resourceGroups/rg",
      `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/snapshots/s1`,
      `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/disks/bad name`,
      `/subscriptions/${SUB}/resourceGroups/rg./`,
      `/subscriptions/${SUB}`,
    ]) {
      const error = errorOf({ ...base, BACKUP_SOURCES: bad });
      expect(error.setting).toBe("BACKUP_SOURCES");
    }
    expect(errorOf({ ...base, BACKUP_SOURCES: " , " }).message).toMatch(/lists no URL or resource ID/);
  });

  it("takes resource group IDs in RESTORE_TARGETS, and checks SNAPSHOT_RESOURCE_GROUP", () => {
    const s = loadSettings({
      ...base,
      RESTORE_TARGETS: `/subscriptions/${SUB}/resourceGroups/restores`,
      SNAPSHOT_RESOURCE_GROUP: "backup-snaps",
    });
    expect(s.restoreTargetGroups.map((g) => g.id)).toEqual([`/subscriptions/${SUB}/resourceGroups/restores`]);
    expect(s.restoreTargets).toEqual([]);
    expect(s.snapshotResourceGroup).toBe("backup-snaps");
    expect(errorOf({ ...base, RESTORE_TARGETS: "/subscriptions/x/resourceGroups/y" }).setting).toBe(
      "RESTORE_TARGETS",
    );
    expect(errorOf({ ...base, SNAPSHOT_RESOURCE_GROUP: "ends.with.dot." }).setting).toBe(
      "SNAPSHOT_RESOURCE_GROUP",
    );
    expect(errorOf({ ...base, SNAPSHOT_RESOURCE_GROUP: "a/b" }).setting).toBe("SNAPSHOT_RESOURCE_GROUP");
  });

  it("accepts an https ARM_ENDPOINT only, and reads ARM_CA_CERT_FILE only for another endpoint than the public cloud", () => {
    expect(errorOf({ ...base, ARM_ENDPOINT: "http://127.0.0.1:10443" }).setting).toBe("ARM_ENDPOINT");
    expect(errorOf({ ...base, ARM_ENDPOINT: "https://127.0.0.1:10443/x?y=1" }).setting).toBe("ARM_ENDPOINT");
    expect(errorOf({ ...base, ARM_ENDPOINT: "nonsense" }).setting).toBe("ARM_ENDPOINT");
    // The public cloud never reads the file (it need not exist).
    const publicCloud = loadSettings({ ...base, ARM_CA_CERT_FILE: "/nonexistent/cert.pem" });
    expect(publicCloud.armCaCertPem).toBeUndefined();
    const local = { ...base, ARM_ENDPOINT: "https://127.0.0.1:10443/" };
    expect(errorOf({ ...local, ARM_CA_CERT_FILE: "/nonexistent/cert.pem" }).setting).toBe("ARM_CA_CERT_FILE");
    const dir = mkdtempSync(path.join(tmpdir(), "armca-"));
    writeFileSync(path.join(dir, "junk.pem"), "hello");
    expect(errorOf({ ...local, ARM_CA_CERT_FILE: path.join(dir, "junk.pem") }).message).toMatch(
      /no PEM certificate/,
    );
    const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    writeFileSync(path.join(dir, "ca.pem"), pem);
    const s = loadSettings({ ...local, ARM_CA_CERT_FILE: path.join(dir, "ca.pem") });
    expect(s.armEndpoint).toBe("https://127.0.0.1:10443");
    expect(s.armCaCertPem).toBe(pem);
  });

  it("parses resource IDs case-insensitively in their fixed segments", () => {
    const parsed = parseComputeId(
      `/SUBSCRIPTIONS/${SUB}/resourcegroups/RG1/providers/microsoft.compute/Disks/d1`,
    );
    expect(parsed).toMatchObject({ ok: true, value: { resourceGroup: "RG1", name: "d1" } });
    expect(parseGroupId(`/subscriptions/${SUB}/resourceGroups/rg/extra`).ok).toBe(false);
  });
});

describe("targetDisk in a restore request", () => {
  const ok = { diskId: "md-local-rg-data1-12345678", restorePointId: "20250101T000000Z-1a2b3c4d" };

  it("takes a resource group, a name, and optionally a location and a sku", () => {
    const parsed = parseRestoreRequest({
      ...ok,
      targetDisk: { resourceGroup: "rg", name: "d2", location: "westeurope", sku: "Premium_LRS" },
    });
    expect(parsed).toMatchObject({
      ok: true,
      value: { targetDisk: { resourceGroup: "rg", name: "d2", sku: "Premium_LRS" } },
    });
  });

  it("refuses bad fields, unknown fields, and targetUrl with targetDisk", () => {
    const bad = [
      { targetDisk: { resourceGroup: "rg", name: "-x" } },
      { targetDisk: { resourceGroup: "rg/..", name: "x" } },
      { targetDisk: { resourceGroup: "rg", name: "x", location: "West Europe" } },
      { targetDisk: { resourceGroup: "rg", name: "x", sku: "Floppy" } },
      { targetDisk: { resourceGroup: "rg", name: "x", subscription: SUB } },
      { targetDisk: "rg/x" },
      {
        targetDisk: { resourceGroup: "rg", name: "x" },
        targetUrl: "http://127.0.0.1:10000/devstoreaccount1/vhds/a.vhd",
      },
    ];
    for (const extra of bad) {
      const parsed = parseRestoreRequest({ ...ok, ...extra });
      expect({ extra, ok: parsed.ok }).toEqual({ extra, ok: false });
    }
  });

  it("creates disks only in configured resource groups (sources' and RESTORE_TARGETS'), decided without a request", () => {
    const s = loadSettings({ ...base, RESTORE_TARGETS: `/subscriptions/${SUB}/resourceGroups/restores` });
    expect(targetGroupOf(s, "LOCAL-RG")).toMatchObject({
      ok: true,
      value: { subscriptionId: SUB, resourceGroup: "local-rg" },
    });
    expect(targetGroupOf(s, "prod-vms")).toMatchObject({ ok: true, value: { subscriptionId: OTHER } });
    expect(targetGroupOf(s, "restores")).toMatchObject({ ok: true });
    expect(targetGroupOf(s, "elsewhere")).toMatchObject({
      ok: false,
      error: { status: 400, code: "TargetNotAllowed" },
    });
    const twice = loadSettings({
      ...base,
      RESTORE_TARGETS: `/subscriptions/${OTHER}/resourceGroups/local-rg`,
    });
    expect(targetGroupOf(twice, "local-rg")).toMatchObject({ ok: false, error: { code: "InvalidRequest" } });
  });
});

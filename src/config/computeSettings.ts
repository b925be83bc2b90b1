// The Resource Manager side of the settings: managed-disk sources, the snapshots' resource group, the
// endpoint and the CA trusted for it. Each error names its setting.
import { readFileSync } from "node:fs";
import path from "node:path";
import {
  type ComputeRef,
  isResourceGroupName,
  PUBLIC_ARM_ENDPOINT,
  parseComputeId,
  parseGroupId,
  type ResourceGroupRef,
} from "../compute/resourceIds";
import { SettingsError } from "./settingNames";

/** A managed-disk entry of BACKUP_SOURCES: one disk, or every managed disk of a resource group. */
export type ManagedSource = { kind: "disk"; disk: ComputeRef } | { kind: "group"; group: ResourceGroupRef };

/** A resource ID entry of BACKUP_SOURCES: a managed disk, or a resource group (all its managed disks). */
export function parseManagedSource(text: string): ManagedSource {
  const disk = parseComputeId(text, "disks");
  if (disk.ok) return { kind: "disk", disk: disk.value };
  const group = parseGroupId(text);
  if (group.ok) return { kind: "group", group: group.value };
  const problem = /\/providers\//i.test(text) ? disk.error : group.error;
  throw new SettingsError("BACKUP_SOURCES", `"${text.slice(0, 300)}" ${problem}`);
}

export function parseSnapshotGroup(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (!isResourceGroupName(raw)) {
    throw new SettingsError(
      "SNAPSHOT_RESOURCE_GROUP",
      `"${raw.slice(0, 100)}" is not a resource group name (letters, digits, _ - . ( ), at most 90, not ending with a dot)`,
    );
  }
  return raw;
}

/** The Resource Manager endpoint: an https origin (the public cloud, a sovereign cloud, or the local stand-in). */
export function parseArmEndpoint(raw: string | undefined): string {
  if (raw === undefined) return PUBLIC_ARM_ENDPOINT;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new SettingsError("ARM_ENDPOINT", `"${raw.slice(0, 200)}" is not a URL`);
  }
  if (url.protocol !== "https:") {
    throw new SettingsError(
      "ARM_ENDPOINT",
      `"${raw}" must be https (the SDK sends bearer tokens over https only)`,
    );
  }
  if (
    url.username ||
    url.password ||
    url.search ||
    url.hash ||
    (url.pathname !== "/" && url.pathname !== "")
  ) {
    throw new SettingsError(
      "ARM_ENDPOINT",
      `"${raw}" must be an endpoint (https://host[:port]) with no path, query or user`,
    );
  }
  return url.origin;
}

/** The CA for a non-public endpoint (the local stand-in's certificate); never read for the public cloud. */
export function readArmCa(raw: string | undefined, endpoint: string): string | undefined {
  if (raw === undefined || endpoint === PUBLIC_ARM_ENDPOINT) return undefined;
  let pem: string;
  try {
    pem = readFileSync(path.resolve(raw), "utf8");
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new SettingsError("ARM_CA_CERT_FILE", `cannot read "${raw}": ${reason}`);
  }
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) {
    throw new SettingsError("ARM_CA_CERT_FILE", `"${raw}" holds no PEM certificate`);
  }
  return pem;
}

// App settings (README "Configuration"): the single place that names, parses and validates every setting
// the app reads.
// Errors always name the setting so a misconfigured deployment says what to fix.
import { readFileSync } from "node:fs";
import path from "node:path";
import { Cron } from "croner";
import { z } from "zod";
import {
  type ComputeRef,
  isResourceGroupName,
  looksLikeResourceId,
  PUBLIC_ARM_ENDPOINT,
  parseComputeId,
  parseGroupId,
  type ResourceGroupRef,
} from "../compute/resourceIds";
import { parseRetention, type RetentionPolicy } from "../retention/policy";
import type { StorageEndpoints } from "../storage/clients";
import {
  type BlobLocation,
  parseBlobUrl,
  parseStorageScope,
  parseTableUrl,
  type StorageScope,
  type TableLocation,
} from "../storage/urls";

/** Every app setting the code reads (the infra drift test compares this list with the Bicep app settings). */
export const SETTING_NAMES = [
  "BACKUP_SOURCES",
  "BACKUP_TARGET",
  "LINEAGE_TABLE",
  "BACKUP_SCHEDULE",
  "STORAGE_ACCOUNT_KEYS",
  "DURABLE_TASK_HUB_NAME",
  "AzureWebJobsStorage",
  "AZURE_CLIENT_ID",
  "RESTORE_TARGETS",
  "SNAPSHOT_RESOURCE_GROUP",
  "ARM_ENDPOINT",
  "ARM_CA_CERT_FILE",
  "RETENTION",
  "VERIFY_PERCENT",
] as const;

export type SettingName = (typeof SETTING_NAMES)[number];

export const DEFAULT_SCHEDULE = "0 0 */12 * * *";
export const DEFAULT_LINEAGE_TABLE_NAME = "lineage";
export const DEFAULT_VERIFY_PERCENT = 5;

/** A managed-disk entry of BACKUP_SOURCES: one disk, or every managed disk of a resource group. */
export type ManagedSource = { kind: "disk"; disk: ComputeRef } | { kind: "group"; group: ResourceGroupRef };

export interface Settings {
  /** Page blobs or containers (container: `blobName` undefined) to back up. */
  sources: BlobLocation[];
  /** Managed disks and resource groups of managed disks to back up. */
  managedSources: ManagedSource[];
  /** Resource group (in each disk's subscription) for the app's incremental snapshots; undefined: the disk's own. */
  snapshotResourceGroup: string | undefined;
  /** Resource Manager endpoint (origin, no trailing slash). */
  armEndpoint: string;
  /** CA certificate (PEM) trusted for `armEndpoint` only, read from ARM_CA_CERT_FILE when not the public cloud. */
  armCaCertPem: string | undefined;
  /** Resource groups (besides those of managed `sources`) that restores may create managed disks in. */
  restoreTargetGroups: ResourceGroupRef[];
  /** The backup container (`blobName` undefined). */
  target: BlobLocation;
  lineageTable: TableLocation;
  /** Six-field NCRONTAB expression. */
  schedule: string;
  /** Account name → shared key, for accounts that do not use DefaultAzureCredential. */
  accountKeys: Record<string, string>;
  durableTaskHubName: string | undefined;
  azureClientId: string | undefined;
  /** Accounts or containers (besides those of `sources`) that restores may write to. */
  restoreTargets: StorageScope[];
  /** Which restore points to keep (`null`: RETENTION unset, keep everything). */
  retention: RetentionPolicy | null;
  /** Share of a disk's allocated bytes compared with the source after each backup (0: off). */
  verifyPercent: number;
}

export class SettingsError extends Error {
  readonly setting: SettingName;
  constructor(setting: SettingName, message: string) {
    super(`${setting}: ${message}`);
    this.name = "SettingsError";
    this.setting = setting;
  }
}

type Env = Record<string, string | undefined>;

function optional(env: Env, name: SettingName): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function required(env: Env, name: SettingName, meaning: string): string {
  const value = optional(env, name);
  if (value === undefined) throw new SettingsError(name, `is required (${meaning})`);
  return value;
}

/** A resource ID entry of BACKUP_SOURCES: a managed disk, or a resource group (all its managed disks). */
function parseManagedSource(text: string): ManagedSource {
  const disk = parseComputeId(text, "disks");
  if (disk.ok) return { kind: "disk", disk: disk.value };
  const group = parseGroupId(text);
  if (group.ok) return { kind: "group", group: group.value };
  const problem = /\/providers\//i.test(text) ? disk.error : group.error;
  throw new SettingsError("BACKUP_SOURCES", `"${text.slice(0, 300)}" ${problem}`);
}

function parseSources(raw: string): { sources: BlobLocation[]; managedSources: ManagedSource[] } {
  const entries = raw.split(/[\s,]+/).filter((u) => u.length > 0);
  if (entries.length === 0) throw new SettingsError("BACKUP_SOURCES", "lists no URL or resource ID");
  const managedSources: ManagedSource[] = [];
  const managedSeen = new Set<string>();
  for (const text of entries.filter(looksLikeResourceId)) {
    const parsed = parseManagedSource(text);
    const key = (parsed.kind === "disk" ? parsed.disk.id : parsed.group.id).toLowerCase();
    if (!managedSeen.has(key)) managedSources.push(parsed);
    managedSeen.add(key);
  }
  const urls = entries.filter((e) => !looksLikeResourceId(e));
  const seen = new Set<string>();
  const sources: BlobLocation[] = [];
  for (const url of urls) {
    const parsed = parseBlobUrl(url);
    if (!parsed.ok) throw new SettingsError("BACKUP_SOURCES", `"${url}": ${parsed.error}`);
    const key = parsed.value.url;
    if (!seen.has(key)) sources.push(parsed.value);
    seen.add(key);
  }
  return { sources, managedSources };
}

function parseTarget(raw: string): BlobLocation {
  const parsed = parseBlobUrl(raw);
  if (!parsed.ok) throw new SettingsError("BACKUP_TARGET", `"${raw}": ${parsed.error}`);
  if (parsed.value.blobName !== undefined) {
    throw new SettingsError("BACKUP_TARGET", `"${raw}" must be a container URL, not a blob URL`);
  }
  return parsed.value;
}

/**
 * Account or container URLs restores may write to, besides the sources' containers (never the backup
 * account), and resource group IDs restores may create managed disks in.
 */
function parseRestoreTargets(
  raw: string | undefined,
  target: BlobLocation,
): { scopes: StorageScope[]; groups: ResourceGroupRef[] } {
  const scopes: StorageScope[] = [];
  const groups: ResourceGroupRef[] = [];
  for (const url of (raw ?? "").split(/[\s,]+/).filter((u) => u.length > 0)) {
    if (looksLikeResourceId(url)) {
      const group = parseGroupId(url);
      if (!group.ok) throw new SettingsError("RESTORE_TARGETS", `"${url.slice(0, 300)}" ${group.error}`);
      groups.push(group.value);
      continue;
    }
    const parsed = parseStorageScope(url);
    if (!parsed.ok) throw new SettingsError("RESTORE_TARGETS", `"${url}": ${parsed.error}`);
    if (parsed.value.accountName === target.accountName) {
      throw new SettingsError(
        "RESTORE_TARGETS",
        `"${url}" is in the backup account (BACKUP_TARGET): restores never write there`,
      );
    }
    scopes.push(parsed.value);
  }
  return { scopes, groups };
}

function parseSnapshotGroup(raw: string | undefined): string | undefined {
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
function parseArmEndpoint(raw: string | undefined): string {
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
function readArmCa(raw: string | undefined, endpoint: string): string | undefined {
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

const tableName = z.string().regex(/^[A-Za-z][A-Za-z0-9]{2,62}$/);

/** The default lineage table lives in the backup account's table endpoint. */
function defaultTableEndpoint(target: BlobLocation): string | undefined {
  const url = new URL(target.serviceUrl);
  if (!target.pathStyle) {
    if (!url.hostname.includes(".blob.")) return undefined;
    url.hostname = url.hostname.replace(".blob.", ".table.");
    return url.toString().replace(/\/$/, "");
  }
  // Emulator convention: blob on 10000, table on 10002.
  if (url.port !== "10000") return undefined;
  url.port = "10002";
  return `${url.origin}/${target.accountName}`;
}

function parseLineageTable(raw: string | undefined, target: BlobLocation): TableLocation {
  if (raw?.includes("/")) {
    const parsed = parseTableUrl(raw);
    if (!parsed.ok) throw new SettingsError("LINEAGE_TABLE", `"${raw}": ${parsed.error}`);
    if (!tableName.safeParse(parsed.value.tableName).success) {
      throw new SettingsError("LINEAGE_TABLE", `"${parsed.value.tableName}" is not a valid table name`);
    }
    return parsed.value;
  }
  if (raw !== undefined && !tableName.safeParse(raw).success) {
    throw new SettingsError("LINEAGE_TABLE", `"${raw}" is not a valid table name (letters and digits, 3-63)`);
  }
  const endpoint = defaultTableEndpoint(target);
  if (endpoint === undefined) {
    throw new SettingsError(
      "LINEAGE_TABLE",
      "is required: the table endpoint cannot be derived from BACKUP_TARGET; give the full table URL",
    );
  }
  const parsed = parseTableUrl(`${endpoint}/${raw ?? DEFAULT_LINEAGE_TABLE_NAME}`);
  if (!parsed.ok) throw new SettingsError("LINEAGE_TABLE", parsed.error);
  return parsed.value;
}

/** Validates a six-field NCRONTAB expression (second minute hour day month day-of-week). */
export function validateSchedule(expression: string): string | undefined {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 6) return `must have 6 fields (NCRONTAB with seconds), found ${fields.length}`;
  try {
    new Cron(expression, { paused: true, mode: "6-part" }).stop();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

function parseSchedule(raw: string | undefined): string {
  const schedule = raw ?? DEFAULT_SCHEDULE;
  const problem = validateSchedule(schedule);
  if (problem !== undefined) throw new SettingsError("BACKUP_SCHEDULE", `"${schedule}" ${problem}`);
  return schedule;
}

const accountName = z.string().regex(/^[a-z0-9]{3,24}$/);
const base64Key = z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/);

/** `account:key;account:key` (keys are base64, so only the first colon separates). */
export function parseAccountKeys(raw: string | undefined): Record<string, string> {
  const keys: Record<string, string> = {};
  if (raw === undefined) return keys;
  for (const entry of raw.split(";").map((e) => e.trim())) {
    if (entry.length === 0) continue;
    const colon = entry.indexOf(":");
    const name = colon < 0 ? entry : entry.slice(0, colon);
    const key = colon < 0 ? "" : entry.slice(colon + 1).trim();
    if (!accountName.safeParse(name.trim()).success) {
      throw new SettingsError("STORAGE_ACCOUNT_KEYS", `"${name}" is not a storage account name`);
    }
    if (!base64Key.safeParse(key).success) {
      throw new SettingsError("STORAGE_ACCOUNT_KEYS", `the key of "${name}" is missing or not base64`);
    }
    keys[name.trim()] = key;
  }
  return keys;
}

/**
 * Task hub names as the Durable Task storage backend requires them (and the scheduler accepts): letters
 * and digits only, starting with a letter, 3 to 45 characters. A bad name would otherwise only surface as
 * a host that never starts its orchestrations.
 */
export function parseTaskHubName(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (!/^[A-Za-z][A-Za-z0-9]{2,44}$/.test(raw)) {
    throw new SettingsError(
      "DURABLE_TASK_HUB_NAME",
      `"${raw}" is not a task hub name: letters and digits only, starting with a letter, 3 to 45 characters`,
    );
  }
  return raw;
}

function parseRetentionSetting(raw: string | undefined): RetentionPolicy | null {
  const parsed = parseRetention(raw);
  if (!parsed.ok) throw new SettingsError("RETENTION", `"${raw}": ${parsed.error}`);
  return parsed.value;
}

function parseVerifyPercent(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_VERIFY_PERCENT;
  const value = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || !(value >= 0 && value <= 100)) {
    throw new SettingsError("VERIFY_PERCENT", `"${raw}" must be a number from 0 (off) to 100`);
  }
  return value;
}

/** Reads and validates all settings; throws SettingsError naming the first bad setting. */
export function loadSettings(env: Env = process.env): Settings {
  const { sources, managedSources } = parseSources(
    required(
      env,
      "BACKUP_SOURCES",
      "page blob or container URLs, managed disk or resource group IDs to back up",
    ),
  );
  const target = parseTarget(required(env, "BACKUP_TARGET", "URL of the backup container"));
  const restore = parseRestoreTargets(optional(env, "RESTORE_TARGETS"), target);
  const armEndpoint = parseArmEndpoint(optional(env, "ARM_ENDPOINT"));
  return {
    sources,
    managedSources,
    snapshotResourceGroup: parseSnapshotGroup(optional(env, "SNAPSHOT_RESOURCE_GROUP")),
    armEndpoint,
    armCaCertPem: readArmCa(optional(env, "ARM_CA_CERT_FILE"), armEndpoint),
    restoreTargetGroups: restore.groups,
    target,
    lineageTable: parseLineageTable(optional(env, "LINEAGE_TABLE"), target),
    schedule: parseSchedule(optional(env, "BACKUP_SCHEDULE")),
    accountKeys: parseAccountKeys(optional(env, "STORAGE_ACCOUNT_KEYS")),
    durableTaskHubName: parseTaskHubName(optional(env, "DURABLE_TASK_HUB_NAME")),
    azureClientId: optional(env, "AZURE_CLIENT_ID"),
    restoreTargets: restore.scopes,
    retention: parseRetentionSetting(optional(env, "RETENTION")),
    verifyPercent: parseVerifyPercent(optional(env, "VERIFY_PERCENT")),
  };
}

/** The resource groups of the managed-disk sources (a disk's own group, or the group listed). */
export function sourceGroupsOf(settings: Pick<Settings, "managedSources">): ResourceGroupRef[] {
  return settings.managedSources.map((s) => (s.kind === "disk" ? s.disk : s.group));
}

/** Every subscription the settings name: the only ones Resource Manager clients (and tokens) are built for. */
export function computeSubscriptionsOf(
  settings: Pick<Settings, "managedSources" | "restoreTargetGroups">,
): string[] {
  const groups = [...sourceGroupsOf(settings), ...settings.restoreTargetGroups];
  return [...new Set(groups.map((g) => g.subscriptionId.toLowerCase()))];
}

/** Every storage endpoint the settings name: the only places clients and credentials are built for. */
export function storageEndpointsOf(settings: Settings): StorageEndpoints {
  const blob = [
    ...settings.sources.map((s) => s.serviceUrl),
    ...settings.restoreTargets.map((s) => s.serviceUrl),
    settings.target.serviceUrl,
  ];
  return { blob: [...new Set(blob)], table: [settings.lineageTable.serviceUrl] };
}

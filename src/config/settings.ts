// App settings (README "Configuration"): the single place that names, parses and validates every setting
// the app reads (the storage and Resource Manager settings are parsed in the modules beside this one).
// Errors always name the setting so a misconfigured deployment says what to fix.
import { Cron } from "croner";
import { looksLikeResourceId, type ResourceGroupRef } from "../compute/resourceIds";
import { parseRetention, type RetentionPolicy } from "../retention/policy";
import type { StorageEndpoints } from "../storage/clients";
import { type BlobLocation, parseBlobUrl, type StorageScope, type TableLocation } from "../storage/urls";
import {
  type ManagedSource,
  parseArmEndpoint,
  parseManagedSource,
  parseSnapshotGroup,
  readArmCa,
} from "./computeSettings";
import { type Env, optional, required, SettingsError } from "./settingNames";
import { parseAccountKeys, parseLineageTable, parseRestoreTargets, parseTarget } from "./storageSettings";

export type { ManagedSource } from "./computeSettings";
export { SETTING_NAMES, type SettingName, SettingsError } from "./settingNames";

export const DEFAULT_SCHEDULE = "0 0 */12 * * *";
export const DEFAULT_VERIFY_PERCENT = 5;

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

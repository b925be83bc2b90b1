// App settings (README "Configuration"): the single place that names, parses and validates every setting
// the app reads.
// Errors always name the setting so a misconfigured deployment says what to fix.
import { Cron } from "croner";
import { z } from "zod";
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
  "RETENTION",
  "VERIFY_PERCENT",
] as const;

export type SettingName = (typeof SETTING_NAMES)[number];

export const DEFAULT_SCHEDULE = "0 0 */12 * * *";
export const DEFAULT_LINEAGE_TABLE_NAME = "lineage";
export const DEFAULT_VERIFY_PERCENT = 5;

export interface Settings {
  /** Page blobs or containers (container: `blobName` undefined) to back up. */
  sources: BlobLocation[];
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

function parseSources(raw: string): BlobLocation[] {
  const urls = raw.split(/[\s,]+/).filter((u) => u.length > 0);
  if (urls.length === 0) throw new SettingsError("BACKUP_SOURCES", "lists no URL");
  const seen = new Set<string>();
  const sources: BlobLocation[] = [];
  for (const url of urls) {
    const parsed = parseBlobUrl(url);
    if (!parsed.ok) throw new SettingsError("BACKUP_SOURCES", `"${url}": ${parsed.error}`);
    const key = parsed.value.url;
    if (!seen.has(key)) sources.push(parsed.value);
    seen.add(key);
  }
  return sources;
}

function parseTarget(raw: string): BlobLocation {
  const parsed = parseBlobUrl(raw);
  if (!parsed.ok) throw new SettingsError("BACKUP_TARGET", `"${raw}": ${parsed.error}`);
  if (parsed.value.blobName !== undefined) {
    throw new SettingsError("BACKUP_TARGET", `"${raw}" must be a container URL, not a blob URL`);
  }
  return parsed.value;
}

/** Account or container URLs restores may write to, besides the sources' containers; never the backup account. */
function parseRestoreTargets(raw: string | undefined, target: BlobLocation): StorageScope[] {
  const scopes: StorageScope[] = [];
  for (const url of (raw ?? "").split(/[\s,]+/).filter((u) => u.length > 0)) {
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
  return scopes;
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
  const sources = parseSources(required(env, "BACKUP_SOURCES", "page blob or container URLs to back up"));
  const target = parseTarget(required(env, "BACKUP_TARGET", "URL of the backup container"));
  return {
    sources,
    target,
    lineageTable: parseLineageTable(optional(env, "LINEAGE_TABLE"), target),
    schedule: parseSchedule(optional(env, "BACKUP_SCHEDULE")),
    accountKeys: parseAccountKeys(optional(env, "STORAGE_ACCOUNT_KEYS")),
    durableTaskHubName: parseTaskHubName(optional(env, "DURABLE_TASK_HUB_NAME")),
    azureClientId: optional(env, "AZURE_CLIENT_ID"),
    restoreTargets: parseRestoreTargets(optional(env, "RESTORE_TARGETS"), target),
    retention: parseRetentionSetting(optional(env, "RETENTION")),
    verifyPercent: parseVerifyPercent(optional(env, "VERIFY_PERCENT")),
  };
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

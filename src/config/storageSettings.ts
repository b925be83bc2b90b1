// The storage side of the settings: the backup container, the lineage table, where restores may write,
// and the shared keys of accounts that do not use Entra ID. Each error names its setting.
import { z } from "zod";
import { looksLikeResourceId, parseGroupId, type ResourceGroupRef } from "../compute/resourceIds";
import {
  type BlobLocation,
  parseBlobUrl,
  parseStorageScope,
  parseTableUrl,
  type StorageScope,
  type TableLocation,
} from "../storage/urls";
import { SettingsError } from "./settingNames";

export const DEFAULT_LINEAGE_TABLE_NAME = "lineage";

export function parseTarget(raw: string): BlobLocation {
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
export function parseRestoreTargets(
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

export function parseLineageTable(raw: string | undefined, target: BlobLocation): TableLocation {
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

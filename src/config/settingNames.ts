// The names of the app's settings and the error that names a bad one: shared by the parsers of every
// setting (settings.ts and the storage and compute parsers beside it).

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

export class SettingsError extends Error {
  readonly setting: SettingName;
  constructor(setting: SettingName, message: string) {
    super(`${setting}: ${message}`);
    this.name = "SettingsError";
    this.setting = setting;
  }
}

export type Env = Record<string, string | undefined>;

export function optional(env: Env, name: SettingName): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

export function required(env: Env, name: SettingName, meaning: string): string {
  const value = optional(env, name);
  if (value === undefined) throw new SettingsError(name, `is required (${meaning})`);
  return value;
}

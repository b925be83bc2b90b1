// Settings validation when the app loads (DESIGN §6: invalid settings stop the app with a message naming
// the setting). Registers no function: safe to sit among the entry files.
import { backupContextFromEnv } from "../backup/context";
import { SettingsError } from "../config/settings";

export function validateSettingsAtStartup(): void {
  try {
    backupContextFromEnv();
  } catch (error) {
    if (error instanceof SettingsError) {
      console.error(`Invalid app setting ${error.message}`);
    }
    throw error;
  }
}

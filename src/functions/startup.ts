// Settings validation when the app loads (invalid settings stop the app with a message naming
// the setting). Registers no function: safe to sit among the entry files.
import { appContextFromEnv } from "../app/context";
import { SettingsError } from "../config/settings";

export function validateSettingsAtStartup(): void {
  try {
    appContextFromEnv();
  } catch (error) {
    if (error instanceof SettingsError) {
      console.error(`Invalid app setting ${error.message}`);
    }
    throw error;
  }
}

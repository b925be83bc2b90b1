// Vitest global setup: one storage emulator on free loopback ports for the whole run; its ports
// reach the test workers through TEST_BLOB_PORT / TEST_TABLE_PORT.
import { type RunningEmulator, startEmulator } from "../local/emulator/index";

let emulator: RunningEmulator | undefined;

export async function setup(): Promise<void> {
  emulator = await startEmulator({ blobPort: 0, tablePort: 0 });
  process.env.TEST_BLOB_PORT = String(emulator.blobPort);
  process.env.TEST_TABLE_PORT = String(emulator.tablePort);
}

export async function teardown(): Promise<void> {
  await emulator?.stop();
  emulator = undefined;
}

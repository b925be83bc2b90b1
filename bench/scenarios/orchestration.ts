// Scenario 6, orchestration overhead: the same backup through the local Functions runtime end to end
// versus the copy engine called directly. Recorded as not measured until the app's functions exist.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Bench } from "../bench";

export async function runOrchestration(bench: Bench): Promise<void> {
  const functions = join(__dirname, "..", "..", "src", "functions");
  if (!existsSync(functions)) {
    bench.notes.push("6 orchestration: not measured (the function app is not built yet: no dist/src/functions).");
    return;
  }
  bench.notes.push("6 orchestration: not measured in this run.");
}

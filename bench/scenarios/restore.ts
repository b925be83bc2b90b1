// Scenario 7, restore throughput against the ceiling. Recorded as not measured until the restore code exists.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Bench } from "../bench";
import type { Ceiling } from "./ceiling";

export async function runRestore(bench: Bench, _ceiling: Ceiling): Promise<void> {
  const restore = join(__dirname, "..", "..", "src", "restore");
  if (!existsSync(restore)) {
    bench.notes.push("7 restore: not measured (src/restore does not exist yet).");
    return;
  }
  bench.notes.push("7 restore: not measured in this run.");
}

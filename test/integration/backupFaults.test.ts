// Backups under injected storage faults (5% 503 ServerBusy / 500 OperationTimedOut / dropped connections
// on the test's own containers) still produce byte-identical restore points.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backupNow, createHarness, expectSameBytes, type Harness, MiB, writeRandom } from "./support/harness";

describe("backup under injected faults", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness("faults", { copyConcurrency: 8 });
  });
  afterAll(async () => {
    await h?.emu.control.setFaults([]);
    await h?.cleanup();
  });

  it("yields byte-identical full and incremental backups with 5% faults", async () => {
    const names = ["f1.vhd", "f2.vhd"];
    for (const name of names) {
      const blob = h.sources.getPageBlobClient(name);
      await blob.create(32 * MiB);
      for (let i = 0; i < 6; i++) await writeRandom(blob, i * 5 * MiB + 512 * i, MiB + 512 * i);
    }
    const rules = [h.backupPrefix, h.sourcePrefix].flatMap((pathPrefix) => [
      { pathPrefix, rate: 0.02, kind: "serverBusy" as const },
      { pathPrefix, rate: 0.02, kind: "operationTimedOut" as const },
      { pathPrefix, rate: 0.01, kind: "dropConnection" as const },
    ]);
    const seed = 1234;
    console.log(`fault seed ${seed}`);
    await h.emu.control.setFaults(rules, seed);
    let injected = 0;
    for (let round = 0; round < 2; round++) {
      const runs = await Promise.all(names.map((name) => backupNow(h, name)));
      for (const [i, run] of runs.entries()) {
        expect(run.status, run.restorePoint.reason ?? "").toBe("completed");
        expect(run.restorePoint.kind).toBe(round === 0 ? "full" : "incremental");
        const bytes = await expectSameBytes(h, names[i]!, run.restorePoint);
        expect(bytes.backup.equals(bytes.source)).toBe(true);
      }
      const counts = await h.emu.control.getFaultCounts();
      injected = Object.values(counts).reduce((a, b) => a + b, 0);
      for (const name of names) {
        const blob = h.sources.getPageBlobClient(name);
        await writeRandom(blob, 3 * MiB, 2 * MiB);
        await blob.clearPages(10 * MiB, MiB);
      }
    }
    expect(injected).toBeGreaterThan(0);
  });
});

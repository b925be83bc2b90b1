// Scenario 9, the restore point lifecycle: the retention decision over 100,000 restore points, and
// verification throughput (bytes compared per second, each read from both snapshots and hashed) against
// the paired-read ceiling of the same emulator (a minimal loop reading the same bytes from both).
import { createAppContext } from "../../src/app/context";
import { loadSettings } from "../../src/config/settings";
import { runDiskBackupDirect } from "../../src/direct/backup";
import { diskOf } from "../../src/disks/identity";
import { requireBlobUrl } from "../../src/storage/urls";
import { BACKUP_ACCOUNT, type Bench, type Measurement, SOURCE_ACCOUNT } from "../bench";
import { GiB, MiB } from "../config";
import { allocationLayout, mulberry32 } from "../random";

export interface LifecycleSummary {
  decision: Measurement;
  ceiling: Measurement[];
  full: Measurement;
  rolling: Measurement;
}

export const RETENTION_POINTS = 100_000;

export async function runLifecycle(bench: Bench): Promise<LifecycleSummary> {
  const decision = await bench.measure(
    "9 lifecycle",
    `retention decision over ${RETENTION_POINTS.toLocaleString("en")} restore points`,
    "retentionDecision",
    { points: RETENTION_POINTS, seed: bench.config.seed + 21 },
  );

  const allocated = bench.config.appAllocatedBytes;
  await bench.createContainer(SOURCE_ACCOUNT, "bench-verify");
  const disk = bench.pageBlob(SOURCE_ACCOUNT, "bench-verify", "disk-verify.vhd");
  await disk.create(GiB);
  await bench.writeRanges(
    disk,
    allocationLayout(mulberry32(bench.config.seed + 22), GiB, 4 * MiB, allocated / (4 * MiB)),
    4,
  );
  const keys = bench.emulator.accounts.map((a) => `${a.name}:${a.key}`).join(";");
  const sourceUrl = `${bench.emulator.blobEndpoint(SOURCE_ACCOUNT)}/bench-verify/disk-verify.vhd`;
  const settings = {
    BACKUP_SOURCES: sourceUrl,
    BACKUP_TARGET: `${bench.emulator.blobEndpoint(BACKUP_ACCOUNT)}/bench-verify-backups`,
    LINEAGE_TABLE: `${bench.emulator.tableEndpoint(BACKUP_ACCOUNT)}/benchverifylineage`,
    STORAGE_ACCOUNT_KEYS: keys,
    VERIFY_PERCENT: "5",
  };
  // Setup, not measured: one backup gives the restore point and keeps its source snapshot.
  const ctx = createAppContext(loadSettings(settings), { log: () => {} });
  const { id: diskId } = diskOf(requireBlobUrl(sourceUrl), ctx.settings.target);
  const setup = await runDiskBackupDirect(ctx, { diskId, sourceUrl, runId: "bench-verify" });
  if (setup.status !== "completed") throw new Error(`setup backup failed: ${setup.restorePoint.reason}`);

  const label = `${allocated / MiB} MiB in 1 GiB`;
  const ceiling: Measurement[] = [];
  for (const concurrency of [4, 8, 16, 32]) {
    ceiling.push(
      await bench.measure(
        "9 lifecycle",
        `paired-read ceiling ${label}, concurrency ${concurrency}`,
        "pairedReadCeiling",
        { settings, diskId, concurrency },
        { runs: 3 },
      ),
    );
  }
  const best = Math.max(...ceiling.map((m) => m.mibps));
  const full = await bench.measure(
    "9 lifecycle",
    `full verification ${label}`,
    "appVerifyDirect",
    {
      settings,
      diskId,
      mode: "full",
    },
    { runs: 3 },
  );
  full.ratios.ofCeiling = full.mibps / best;
  const rolling = await bench.measure(
    "9 lifecycle",
    `rolling verification window (5%) ${label}`,
    "appVerifyDirect",
    { settings, diskId, mode: "rolling" },
    { runs: 3 },
  );
  rolling.ratios.ofCeiling = rolling.mibps / best;
  return { decision, ceiling, full, rolling };
}

import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DEFAULT_ACCOUNTS,
  EmulatorControl,
  type RunningEmulator,
  startEmulator,
} from "../../local/emulator/index";
import { type AppContext, createAppContext } from "../../src/app/context";
import { loadSettings } from "../../src/config/settings";
import { runDiskBackupDirect } from "../../src/direct/backup";
import { runRestoreDirect } from "../../src/direct/restore";
import { diskOf } from "../../src/disks/identity";
import { blobIn } from "../../src/storage/urls";
import { seededRandom } from "../support/random";
import { contentOf, MiB, writeRandom } from "./support/harness";

const SOURCE = "devstoreaccount1";
const BACKUP = "devbackupaccount";

describe("restore under injected faults", () => {
  let emulator: RunningEmulator;
  let ctx: AppContext;
  let control: EmulatorControl;
  const service = (account: string) => {
    const key = DEFAULT_ACCOUNTS.find((a) => a.name === account)?.key ?? "";
    return new BlobServiceClient(
      emulator.blobEndpoint(account),
      new StorageSharedKeyCredential(account, key),
    );
  };

  beforeAll(async () => {
    emulator = await startEmulator({ blobPort: 0, tablePort: 0 });
    control = new EmulatorControl(`http://127.0.0.1:${emulator.blobPort}`);
    ctx = createAppContext(
      loadSettings({
        BACKUP_SOURCES: `${emulator.blobEndpoint(SOURCE)}/disks`,
        BACKUP_TARGET: `${emulator.blobEndpoint(BACKUP)}/backups`,
        LINEAGE_TABLE: `${emulator.tableEndpoint(BACKUP)}/lineage`,
        STORAGE_ACCOUNT_KEYS: DEFAULT_ACCOUNTS.map((a) => `${a.name}:${a.key}`).join(";"),
      }),
      { tuning: { minBatchBytes: 2 * MiB, maxBatches: 16, batchWindow: 4 }, log: () => {} },
    );
    await service(SOURCE).getContainerClient("disks").create();
  });
  afterAll(async () => emulator?.stop());

  async function backup(name: string) {
    const disk = diskOf(blobIn(ctx.settings.sources[0]!, name), ctx.settings.target);
    const result = await runDiskBackupDirect(ctx, {
      diskId: disk.id,
      sourceUrl: disk.source.url,
      runId: "faults",
    });
    expect(result.status, result.restorePoint.reason ?? "").toBe("completed");
    return result.restorePoint;
  }

  it("restores byte-identical disks with 5% faults, overwrite included, and backs them up incrementally", async () => {
    const { seed } = seededRandom();
    console.log(`fault seed ${seed}`);
    const disks = service(SOURCE).getContainerClient("disks");
    const blob = disks.getPageBlobClient("d.vhd");
    await blob.create(24 * MiB);
    for (let i = 0; i < 5; i++) await writeRandom(blob, i * 4 * MiB + 512 * i, MiB + 512 * i);
    const first = await contentOf(blob);
    const rp1 = await backup("d.vhd");
    await writeRandom(blob, 2 * MiB, 3 * MiB);
    await blob.clearPages(16 * MiB, MiB);
    const second = await contentOf(blob);
    const rp2 = await backup("d.vhd");

    const rules = ["/devstoreaccount1/disks", "/devbackupaccount/backups"].flatMap((pathPrefix) => [
      { pathPrefix, rate: 0.02, kind: "serverBusy" as const },
      { pathPrefix, rate: 0.02, kind: "operationTimedOut" as const },
      { pathPrefix, rate: 0.01, kind: "dropConnection" as const },
    ]);
    await control.setFaults(rules, seed);
    const base = ctx.settings.sources[0]!.url;
    const out1 = await runRestoreDirect(
      ctx,
      {
        diskId: rp1.diskId,
        restorePointId: rp1.restorePointId,
        targetUrl: `${base}/r1.vhd`,
        overwrite: false,
      },
      "f1",
    );
    const out2 = await runRestoreDirect(
      ctx,
      {
        diskId: rp2.diskId,
        restorePointId: rp2.restorePointId,
        targetUrl: `${base}/r1.vhd`,
        overwrite: true,
      },
      "f2",
    );
    const out3 = await runRestoreDirect(
      ctx,
      {
        diskId: rp1.diskId,
        restorePointId: rp1.restorePointId,
        targetUrl: `${base}/r3.vhd`,
        overwrite: false,
      },
      "f3",
    );
    const r1 = disks.getPageBlobClient("r1.vhd");
    const overwritten = await contentOf(r1);
    await writeRandom(r1, 20 * MiB, 4096);
    const changed = await contentOf(r1);
    const next = await backup("r1.vhd");
    const injected = Object.values(await control.getFaultCounts()).reduce((a, b) => a + b, 0);
    await control.setFaults([]);
    console.log(`faults injected: ${injected}`);

    expect(out1.verification.verified && out2.verification.verified && out3.verification.verified).toBe(true);
    expect(out2.safetyRestorePointId).toBeTruthy();
    expect((await contentOf(disks.getPageBlobClient("r3.vhd"))).equals(first)).toBe(true);
    expect(next).toMatchObject({
      kind: "incremental",
      parentRestorePointId: out2.restorePointId,
      changedBytes: 4096,
    });
    const backedUp = await contentOf(
      service(BACKUP)
        .getContainerClient("backups")
        .getPageBlobClient(decodeURIComponent(new URL(next.backupUrl).pathname.split("/").slice(3).join("/")))
        .withSnapshot(next.backupSnapshot),
    );
    expect(backedUp.equals(changed)).toBe(true);
    expect(overwritten.equals(second)).toBe(true);
    expect(injected).toBeGreaterThan(0);
  });
});

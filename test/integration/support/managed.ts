// Shared setup of the managed-disk integration tests: a Resource Manager stand-in (own data folder and
// containers) beside the shared storage emulator, an app context whose BACKUP_SOURCES name the stand-in's
// resource group, and helpers to create disks, play a VM writing them, back them up and compare bytes.
import type { Disk } from "@azure/arm-compute";
import type { ContainerClient, PageBlobClient } from "@azure/storage-blob";
import type { ArmStandInOptions } from "../../../local/arm/index";
import { type AppContext, createAppContext, type Tuning } from "../../../src/app/context";
import { ComputeAccess } from "../../../src/compute/access";
import { diskRef, groupRef } from "../../../src/compute/resourceIds";
import { computeSubscriptionsOf, loadSettings, storageEndpointsOf } from "../../../src/config/settings";
import { runDiskBackupDirect } from "../../../src/direct/backup";
import type { InProcessOptions } from "../../../src/direct/runtime";
import { type ManagedDisk, managedDiskOf } from "../../../src/disks/identity";
import { StorageAccess } from "../../../src/storage/clients";
import { POLL, type StandInHarness, startHarness } from "../../arm/harness";
import { testEmulator, uniqueName } from "../../support/emulator";

export const MiB = 1024 * 1024;
export const GIB = 1024 ** 3;
const BACKUP_ACCOUNT = "devbackupaccount";

export interface ManagedHarness {
  arm: StandInHarness;
  emu: ReturnType<typeof testEmulator>;
  env: Record<string, string>;
  ctx: AppContext;
  backups: ContainerClient;
  logs: string[];
  /** The disk as the app sees it (id, resource ID, backup blob). */
  disk(name: string): ManagedDisk;
  createDisk(name: string, sizeGB: number, extra?: Partial<Disk>): Promise<Disk>;
  /** The disk's bytes (its page blob in the emulator): writing it plays a VM. */
  blob(name: string): PageBlobClient;
  backup(name: string, options?: Partial<InProcessOptions>): ReturnType<typeof runDiskBackupDirect>;
  cleanup(): Promise<void>;
}

let counter = 0;

export async function createManagedHarness(
  name: string,
  options: {
    standIn?: Partial<ArmStandInOptions>;
    tuning?: Partial<Tuning>;
    env?: Record<string, string>;
  } = {},
): Promise<ManagedHarness> {
  const emu = testEmulator();
  const arm = await startHarness(options.standIn);
  const backupContainer = uniqueName(`${name}bak`);
  const group = `/subscriptions/${arm.standIn.subscriptionId}/resourceGroups/${arm.resourceGroup}`;
  const env: Record<string, string> = {
    BACKUP_SOURCES: group,
    BACKUP_TARGET: `${emu.blobEndpoint(BACKUP_ACCOUNT)}/${backupContainer}`,
    LINEAGE_TABLE: `${emu.tableEndpoint(BACKUP_ACCOUNT)}/${uniqueName(`${name}lin`)}`,
    STORAGE_ACCOUNT_KEYS: emu.storageAccountKeys,
    ARM_ENDPOINT: arm.standIn.url,
    ARM_CA_CERT_FILE: arm.standIn.certPath,
    ...options.env,
  };
  const logs: string[] = [];
  const settings = loadSettings(env);
  const storage = new StorageAccess({
    endpoints: storageEndpointsOf(settings),
    accountKeys: settings.accountKeys,
    sdkRetry: { maxTries: 6, retryDelayInMs: 100, maxRetryDelayInMs: 1000 },
  });
  const compute = new ComputeAccess({
    endpoint: settings.armEndpoint,
    caCertPem: settings.armCaCertPem,
    subscriptions: computeSubscriptionsOf(settings),
    pollIntervalMs: 10,
  });
  const ctx = createAppContext(settings, {
    storage,
    compute,
    tuning: { minBatchBytes: 4 * MiB, maxBatches: 16, batchWindow: 4, armWaitMs: 500, ...options.tuning },
    log: (line) => logs.push(line),
  });
  const ref = (disk: string) => diskRef(groupRef(arm.standIn.subscriptionId, arm.resourceGroup), disk);
  const backups = emu.blobService(BACKUP_ACCOUNT).getContainerClient(backupContainer);
  return {
    arm,
    emu,
    env,
    ctx,
    backups,
    logs,
    disk: (disk) => managedDiskOf(ref(disk), settings.target),
    createDisk: (disk, sizeGB, extra = {}) =>
      arm.client.disks.beginCreateOrUpdateAndWait(
        arm.resourceGroup,
        disk,
        { location: "local", diskSizeGB: sizeGB, creationData: { createOption: "Empty" }, ...extra },
        POLL,
      ),
    blob: (disk) => arm.diskBlob(disk),
    backup: (disk, runOptions = {}) => {
      const d = managedDiskOf(ref(disk), settings.target);
      return runDiskBackupDirect(
        ctx,
        { diskId: d.id, sourceUrl: d.sourceUrl, runId: `mtest-${++counter}` },
        runOptions,
      );
    },
    async cleanup() {
      await backups.deleteIfExists();
      await ctx.lineage.table.deleteTable().catch(() => {});
      await arm.close();
    },
  };
}

/**
 * Whether two page blobs (or snapshots) hold the same bytes: same length, and the same bytes over every
 * range allocated on either side (the rest reads as zeros on both). Large sparse disks stay cheap.
 */
export async function sameSparseBytes(
  a: PageBlobClient,
  b: PageBlobClient,
  /** Compare only [0, end) (a restored disk's own VHD footer follows it). */
  end?: number,
): Promise<{ same: boolean; bytes: number; why?: string }> {
  const [pa, pb] = await Promise.all([a.getProperties(), b.getProperties()]);
  if (pa.contentLength !== pb.contentLength) {
    return { same: false, bytes: 0, why: `lengths ${pa.contentLength} and ${pb.contentLength}` };
  }
  const limit = end ?? pa.contentLength ?? 0;
  const ranges: Array<[number, number]> = [];
  for (const blob of [a, b]) {
    for await (const page of blob.listPageRanges().byPage({ maxPageSize: 5000 })) {
      for (const r of page.pageRange ?? [])
        if (r.start < limit) ranges.push([r.start, Math.min(limit, r.end + 1)]);
    }
  }
  ranges.sort((x, y) => x[0] - y[0]);
  const merged: Array<[number, number]> = [];
  for (const r of ranges) {
    const last = merged.at(-1);
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  let bytes = 0;
  for (const [start, end] of merged) {
    for (let o = start; o < end; o += 8 * MiB) {
      const n = Math.min(8 * MiB, end - o);
      const [x, y] = await Promise.all([a.downloadToBuffer(o, n), b.downloadToBuffer(o, n)]);
      if (!x.equals(y)) return { same: false, bytes, why: `bytes differ in ${o}+${n}` };
      bytes += n;
    }
  }
  return { same: true, bytes };
}

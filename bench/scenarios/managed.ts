// Scenario 10, managed disks: the same disk content and the same change backed up as a page blob and as
// a managed disk (through the local Resource Manager stand-in), both by the app's steps in-process; the
// ratio of their times and where the managed disk's extra time goes: Resource Manager round trips (the
// stand-in's counters), long-running operations and their polls (the app polls the stand-in every 50 ms;
// Azure answers with Retry-After, the SDK's default being 2 s), and the SAS-based listing.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startArmStandIn } from "../../local/arm/index";
import { ComputeAccess } from "../../src/compute/access";
import { diskRef, groupRef } from "../../src/compute/resourceIds";
import { coalesce, totalBytes } from "../../src/ranges";
import { BACKUP_ACCOUNT, type Bench, type Measurement, SOURCE_ACCOUNT } from "../bench";
import { GiB, MiB } from "../config";
import { allocationLayout, changeWrites, mulberry32 } from "../random";

export interface ManagedRound {
  pageBlob: Measurement;
  managed: Measurement;
  /** Resource Manager requests of the managed disk's backup, by operation. */
  arm: Record<string, number>;
  ratio: number;
}

export interface ManagedSummary {
  first: ManagedRound;
  incrementals: ManagedRound[];
  changedBytes: number;
  pollIntervalMs: number;
}

const EXTENT = 4 * MiB;
const ROUNDS = 3;
const SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";

function diff(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) if (v - (before[k] ?? 0) > 0) out[k] = v - (before[k] ?? 0);
  return out;
}

export async function runManaged(bench: Bench): Promise<ManagedSummary> {
  const { appAllocatedBytes: allocated, seed } = bench.config;
  const dataDir = await mkdtemp(join(tmpdir(), "bench-arm-"));
  const arm = await startArmStandIn({
    dataDir,
    port: 0,
    blobEndpoint: bench.emulator.blobEndpoint("devdiskaccount"),
  });
  try {
    const group = groupRef(SUBSCRIPTION, "local-rg");
    const compute = new ComputeAccess({
      endpoint: arm.url,
      caCertPem: arm.caCertPem,
      subscriptions: [SUBSCRIPTION],
    });
    await compute.client(SUBSCRIPTION).disks.beginCreateOrUpdateAndWait(
      "local-rg",
      "bench-md",
      {
        location: "local",
        diskSizeGB: 1,
        sku: { name: "Premium_LRS" },
        creationData: { createOption: "Empty" },
      },
      compute.poll,
    );
    const managedBlob = bench.pageBlob("devdiskaccount", "disks", "local-rg/bench-md");
    await bench.createContainer(SOURCE_ACCOUNT, "bench-md");
    const pageBlob = bench.pageBlob(SOURCE_ACCOUNT, "bench-md", "disk.vhd");
    await pageBlob.create(GiB + 512);
    const layout = allocationLayout(mulberry32(seed + 31), GiB, EXTENT, allocated / EXTENT);
    for (const blob of [managedBlob, pageBlob]) await bench.writeRanges(blob, layout, 4);
    const keys = bench.emulator.accounts.map((a) => `${a.name}:${a.key}`).join(";");
    const common = { STORAGE_ACCOUNT_KEYS: keys, VERIFY_PERCENT: "0", BACKUP_SCHEDULE: "0 0 0 1 1 *" };
    const pageUrl = `${bench.emulator.blobEndpoint(SOURCE_ACCOUNT)}/bench-md/disk.vhd`;
    const managedId = diskRef(group, "bench-md").id;
    const pageSettings = {
      ...common,
      BACKUP_SOURCES: pageUrl,
      BACKUP_TARGET: `${bench.emulator.blobEndpoint(BACKUP_ACCOUNT)}/bench-md-page`,
      LINEAGE_TABLE: `${bench.emulator.tableEndpoint(BACKUP_ACCOUNT)}/benchmdpage`,
    };
    const managedSettings = {
      ...common,
      BACKUP_SOURCES: managedId,
      BACKUP_TARGET: `${bench.emulator.blobEndpoint(BACKUP_ACCOUNT)}/bench-md-managed`,
      LINEAGE_TABLE: `${bench.emulator.tableEndpoint(BACKUP_ACCOUNT)}/benchmdmanaged`,
      ARM_ENDPOINT: arm.url,
      ARM_CA_CERT_FILE: arm.certPath,
    };
    const round = async (label: string): Promise<ManagedRound> => {
      const page = await bench.measure("10 managed", `${label}: page blob`, "appBackupTimed", {
        settings: pageSettings,
        sourceUrl: pageUrl,
      });
      const before = arm.stats();
      const managed = await bench.measure("10 managed", `${label}: managed disk`, "appBackupTimed", {
        settings: managedSettings,
        sourceUrl: managedId,
      });
      const requests = diff(arm.stats(), before);
      managed.details.armRequests = Object.values(requests).reduce((a, b) => a + b, 0);
      managed.details.armPolls = requests["diskOperations.get"] ?? 0;
      const ratio = managed.seconds / page.seconds;
      managed.ratios.vsPageBlob = ratio;
      return { pageBlob: page, managed, arm: requests, ratio };
    };
    const label = `${allocated / MiB} MiB in 1 GiB`;
    const first = await round(`full ${label}`);
    const incrementals: ManagedRound[] = [];
    let changedBytes = 0;
    for (let i = 0; i < ROUNDS; i++) {
      const writes = changeWrites(mulberry32(seed + 40 + i), layout, "rand64K", 0.1);
      changedBytes = totalBytes(coalesce(writes));
      for (const blob of [managedBlob, pageBlob]) await bench.writeRanges(blob, writes, 8);
      incrementals.push(await round(`incr 10% rand64K #${i + 1}`));
    }
    return { first, incrementals, changedBytes, pollIntervalMs: compute.poll.updateIntervalInMs };
  } finally {
    await arm.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

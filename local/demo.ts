// `npm start` demo: with an empty source container, creates vhds/mypremiumdisk.vhd (1 GiB provisioned,
// about 200 MiB written in scattered 4 MiB ranges); with a managed source in an empty local-rg, creates
// the managed disk demodisk there through the Resource Manager stand-in (1 GiB, 64 MiB written into its
// blob, as a VM would); then starts a backup through the HTTP API (`npm start` prints its progress and
// result). DEMO_DISK=false turns it off.
import { randomBytes } from "node:crypto";
import { PageBlobClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import { ComputeAccess } from "../src/compute/access";
import { listDisks } from "../src/compute/disks";
import { diskRef, type ResourceGroupRef } from "../src/compute/resourceIds";
import {
  computeSubscriptionsOf,
  loadSettings,
  type Settings,
  sourceGroupsOf,
  storageEndpointsOf,
} from "../src/config/settings";
import { StorageAccess } from "../src/storage/clients";
import { type BlobLocation, blobIn } from "../src/storage/urls";
import { WELL_KNOWN_KEY } from "./emulator/index";

export interface DemoContext {
  settings: Record<string, string>;
  baseUrl: string;
  log: (s: string) => void;
  /** Blob endpoint of the account holding managed disks' bytes (the stand-in's devdiskaccount). */
  diskBlobEndpoint?: string;
}

const MiB = 1024 * 1024;
const DISK_BYTES = 1024 * MiB;
const CHUNK = 4 * MiB;
/** 200 MiB; DEMO_WRITTEN_MIB writes less (the browser test wants a quick first backup). */
const CHUNKS_WRITTEN = Math.min(
  256,
  Math.max(1, Math.round(Number(process.env.DEMO_WRITTEN_MIB ?? 200) / 4)),
);

async function isEmpty(storage: StorageAccess, container: BlobLocation): Promise<boolean> {
  const client = storage.container(container);
  await client.createIfNotExists();
  for await (const _ of client.listBlobsFlat()) return false;
  return true;
}

/** Writes `count` distinct 4 MiB slots picked at random across the disk's first DISK_BYTES. */
async function writeSlots(blob: PageBlobClient, count: number): Promise<number> {
  const slots = Array.from({ length: DISK_BYTES / CHUNK }, (_, i) => i);
  for (let i = slots.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [slots[i], slots[j]] = [slots[j]!, slots[i]!];
  }
  const chosen = slots.slice(0, count).sort((a, b) => a - b);
  for (let i = 0; i < chosen.length; i += 8) {
    await Promise.all(
      chosen.slice(i, i + 8).map((slot) => blob.uploadPages(randomBytes(CHUNK), slot * CHUNK, CHUNK)),
    );
  }
  return chosen.length;
}

/** Writes CHUNKS_WRITTEN distinct 4 MiB slots picked at random across the disk. */
async function createDemoDisk(storage: StorageAccess, disk: BlobLocation, log: (s: string) => void) {
  const blob = storage.pageBlob(disk);
  await blob.create(DISK_BYTES);
  const ranges = await writeSlots(blob, CHUNKS_WRITTEN);
  log(
    `created ${disk.url}: 1 GiB provisioned, ${(CHUNKS_WRITTEN * CHUNK) / MiB} MiB written in ${ranges} ranges`,
  );
}

interface Status {
  runtimeStatus?: string;
}

/** Starts a backup of every disk and waits for it; `npm start` prints its progress and result. */
async function runBackup(baseUrl: string, log: (s: string) => void): Promise<void> {
  const started = await fetch(`${baseUrl}/api/backups`, { method: "POST", body: "{}" });
  if (started.status !== 202)
    throw new Error(`POST /api/backups answered ${started.status}: ${await started.text()}`);
  const { statusQueryGetUri } = (await started.json()) as { statusQueryGetUri: string };
  for (let i = 0; i < 7200; i++) {
    const status = (await (await fetch(statusQueryGetUri)).json()) as Status;
    if (["Completed", "Failed", "Terminated"].includes(status.runtimeStatus ?? "")) {
      log(`done. Try: curl ${baseUrl}/api/disks (README: HTTP API, Restore)`);
      return;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

const MANAGED_DEMO_GROUP = "local-rg";
const MANAGED_DEMO_DISK = "demodisk";
const MANAGED_CHUNKS_WRITTEN = 16;

/** The page-blob demo disk, when the first source container is empty; true when it was created. */
async function pageBlobDemo(settings: Settings, ctx: DemoContext): Promise<boolean> {
  const storage = new StorageAccess({
    endpoints: storageEndpointsOf(settings),
    accountKeys: settings.accountKeys,
    azureClientId: settings.azureClientId,
  });
  const source = settings.sources[0];
  if (!source) return false;
  const container = { ...source, blobName: undefined };
  if (!(await isEmpty(storage, container))) {
    ctx.log(`source container ${container.containerName} is not empty: no demo disk created`);
    return false;
  }
  const disk = source.blobName === undefined ? blobIn(source, "mypremiumdisk.vhd") : source;
  await createDemoDisk(storage, disk, ctx.log);
  return true;
}

/**
 * The managed demo disk, when a managed source names local-rg and it has no disk yet: created through
 * Resource Manager (the stand-in), written through its blob in the storage emulator, as a VM would.
 */
async function managedDemo(settings: Settings, ctx: DemoContext): Promise<boolean> {
  const group = sourceGroupsOf(settings).find((g) => g.resourceGroup === MANAGED_DEMO_GROUP);
  if (!group || !ctx.diskBlobEndpoint) return false;
  const compute = new ComputeAccess({
    endpoint: settings.armEndpoint,
    caCertPem: settings.armCaCertPem,
    subscriptions: computeSubscriptionsOf(settings),
  });
  if ((await listDisks(compute, group)).length > 0) {
    ctx.log(`resource group ${MANAGED_DEMO_GROUP} has managed disks: no managed demo disk created`);
    return false;
  }
  const ref = diskRef(group as ResourceGroupRef, MANAGED_DEMO_DISK);
  await compute.client(group.subscriptionId).disks.beginCreateOrUpdateAndWait(
    group.resourceGroup,
    MANAGED_DEMO_DISK,
    {
      location: "local",
      diskSizeGB: 1,
      sku: { name: "Premium_LRS" },
      creationData: { createOption: "Empty" },
    },
    compute.poll,
  );
  const account = new URL(ctx.diskBlobEndpoint).pathname.split("/").filter(Boolean)[0] ?? "devdiskaccount";
  const blob = new PageBlobClient(
    `${ctx.diskBlobEndpoint}/disks/${group.resourceGroup}/${MANAGED_DEMO_DISK}`,
    new StorageSharedKeyCredential(account, WELL_KNOWN_KEY),
  );
  const ranges = await writeSlots(blob, MANAGED_CHUNKS_WRITTEN);
  ctx.log(`created managed disk ${ref.id}: 1 GiB, ${(ranges * CHUNK) / MiB} MiB written in ${ranges} ranges`);
  return true;
}

export async function runDemo(ctx: DemoContext): Promise<void> {
  if ((ctx.settings.DEMO_DISK ?? process.env.DEMO_DISK)?.toLowerCase() === "false") return;
  const settings = loadSettings({ ...process.env, ...ctx.settings });
  const page = await pageBlobDemo(settings, ctx);
  const managed = await managedDemo(settings, ctx).catch((error: unknown) => {
    ctx.log(`no managed demo disk: ${error instanceof Error ? error.message : String(error)}`);
    return false;
  });
  if (page || managed) await runBackup(ctx.baseUrl, ctx.log);
}

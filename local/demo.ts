// `npm start` demo: with an empty source container, creates vhds/mypremiumdisk.vhd (1 GiB provisioned,
// about 200 MiB written in scattered 4 MiB ranges) and starts a backup through the HTTP API (`npm start`
// prints its progress and result). DEMO_DISK=false turns it off.
import { randomBytes } from "node:crypto";
import { loadSettings, storageEndpointsOf } from "../src/config/settings";
import { StorageAccess } from "../src/storage/clients";
import { type BlobLocation, blobIn } from "../src/storage/urls";

export interface DemoContext {
  settings: Record<string, string>;
  baseUrl: string;
  log: (s: string) => void;
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

/** Writes CHUNKS_WRITTEN distinct 4 MiB slots picked at random across the disk. */
async function createDemoDisk(storage: StorageAccess, disk: BlobLocation, log: (s: string) => void) {
  const blob = storage.pageBlob(disk);
  await blob.create(DISK_BYTES);
  const slots = Array.from({ length: DISK_BYTES / CHUNK }, (_, i) => i);
  for (let i = slots.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [slots[i], slots[j]] = [slots[j]!, slots[i]!];
  }
  const chosen = slots.slice(0, CHUNKS_WRITTEN).sort((a, b) => a - b);
  for (let i = 0; i < chosen.length; i += 8) {
    await Promise.all(
      chosen.slice(i, i + 8).map((slot) => blob.uploadPages(randomBytes(CHUNK), slot * CHUNK, CHUNK)),
    );
  }
  log(
    `created ${disk.url}: 1 GiB provisioned, ${(CHUNKS_WRITTEN * CHUNK) / MiB} MiB written in ${chosen.length} ranges`,
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

export async function runDemo(ctx: DemoContext): Promise<void> {
  if ((ctx.settings.DEMO_DISK ?? process.env.DEMO_DISK)?.toLowerCase() === "false") return;
  const settings = loadSettings({ ...process.env, ...ctx.settings });
  const storage = new StorageAccess({
    endpoints: storageEndpointsOf(settings),
    accountKeys: settings.accountKeys,
    azureClientId: settings.azureClientId,
  });
  const source = settings.sources[0];
  if (!source) return;
  const container = { ...source, blobName: undefined };
  if (!(await isEmpty(storage, container))) {
    ctx.log(`source container ${container.containerName} is not empty: no demo disk created`);
    return;
  }
  const disk = source.blobName === undefined ? blobIn(source, "mypremiumdisk.vhd") : source;
  await createDemoDisk(storage, disk, ctx.log);
  await runBackup(ctx.baseUrl, ctx.log);
}

// `npm run demo:change`: writes random data into scattered pages of a local disk (the demo disk by
// default; `--managed [name]`: a managed disk of the Resource Manager stand-in's local-rg, through its
// blob, as a VM would), so the next backup has something to do. Local use only: it signs with the
// settings' keys (the emulator's well-known key for the stand-in's disks).
import { randomBytes } from "node:crypto";
import path from "node:path";
import { loadSettings, storageEndpointsOf } from "../src/config/settings";
import { StorageAccess } from "../src/storage/clients";
import { blobIn, requireBlobUrl } from "../src/storage/urls";
import { WELL_KNOWN_KEY } from "./emulator/index";
import { resolveSettings } from "./start";

const MiB = 1024 * 1024;
const EXTENT = 64 * 1024;

function parseArgs(argv: string[]): { url?: string; managed?: string; mib: number } {
  let url: string | undefined;
  let managed: string | undefined;
  let mib = 8;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--managed") {
      managed = argv[i + 1] && !argv[i + 1]!.startsWith("-") ? argv[++i]! : "demodisk";
    } else if (arg === "--mib") {
      mib = Number(argv[++i]);
      if (!Number.isFinite(mib) || mib <= 0) throw new Error(`--mib needs a positive number, got ${argv[i]}`);
    } else if (arg.startsWith("http")) {
      url = arg;
    } else {
      throw new Error(
        `unknown argument ${arg}; usage: npm run demo:change -- [<disk url> | --managed [<disk name>]] [--mib <n>]`,
      );
    }
  }
  return { url, managed, mib };
}

async function main(): Promise<void> {
  const { url, managed, mib } = parseArgs(process.argv.slice(2));
  const { settings: values } = resolveSettings(path.resolve(__dirname, "..", ".."), process.env);
  const settings = loadSettings({ ...values, ...process.env });
  const source = settings.sources[0];
  if (!source) throw new Error("BACKUP_SOURCES names no page blob or container");
  // A stand-in disk's bytes: devdiskaccount/disks/<resource group>/<name> on the emulator's blob port.
  const managedUrl =
    managed && `${new URL(source.serviceUrl).origin}/devdiskaccount/disks/local-rg/${managed}`;
  const target = url ?? managedUrl;
  const disk = target
    ? requireBlobUrl(target)
    : source.blobName
      ? source
      : blobIn(source, "mypremiumdisk.vhd");
  // The disk to change is named by the person running this tool: its endpoint is allowed too.
  const endpoints = storageEndpointsOf(settings);
  const storage = new StorageAccess({
    endpoints: { ...endpoints, blob: [...endpoints.blob, disk.serviceUrl] },
    accountKeys: { devdiskaccount: WELL_KNOWN_KEY, ...settings.accountKeys },
  });
  const blob = storage.pageBlob(disk);
  const size = (await blob.getProperties()).contentLength ?? 0;
  // Whole extents only: a managed disk's last 512 bytes (its VHD footer) are never touched.
  const extents = Math.min(Math.ceil((mib * MiB) / EXTENT), Math.floor(size / EXTENT));
  const slots = new Set<number>();
  while (slots.size < extents) slots.add(Math.floor(Math.random() * Math.floor(size / EXTENT)));
  const offsets = [...slots].sort((a, b) => a - b).map((slot) => slot * EXTENT);
  for (let i = 0; i < offsets.length; i += 16) {
    await Promise.all(offsets.slice(i, i + 16).map((o) => blob.uploadPages(randomBytes(EXTENT), o, EXTENT)));
  }
  console.log(
    `wrote ${(extents * EXTENT) / MiB} MiB in ${extents} random 64 KiB extents of ${disk.url} (${size / MiB} MiB disk)`,
  );
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

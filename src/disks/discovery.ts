// Discovery of the disks to back up from BACKUP_SOURCES: a page blob URL is one disk, a container URL is
// every page blob in it; other blob types are skipped with a log line.
import type { Settings } from "../config/settings";
import type { StorageAccess } from "../storage/clients";
import { isNotFound, messageOf } from "../storage/errors";
import { type BlobLocation, blobIn } from "../storage/urls";
import { type Disk, diskOf } from "./identity";

export type Log = (line: string) => void;

async function blobsOf(storage: StorageAccess, container: BlobLocation, log: Log): Promise<BlobLocation[]> {
  const found: BlobLocation[] = [];
  try {
    for await (const item of storage.container(container).listBlobsFlat()) {
      if (item.properties.blobType === "PageBlob") found.push(blobIn(container, item.name));
      else
        log(
          `skipping ${container.url}/${item.name}: ${item.properties.blobType ?? "unknown"} blob, not a page blob`,
        );
    }
  } catch (error) {
    if (!isNotFound(error)) throw error;
    log(`source container ${container.url} does not exist`);
  }
  return found;
}

async function checkBlob(
  storage: StorageAccess,
  blob: BlobLocation,
  log: Log,
): Promise<BlobLocation | undefined> {
  try {
    const props = await storage.pageBlob(blob).getProperties();
    if (props.blobType === "PageBlob") return blob;
    log(`skipping ${blob.url}: ${props.blobType ?? "unknown"} blob, not a page blob`);
  } catch (error) {
    if (!isNotFound(error)) throw new Error(`cannot read ${blob.url}: ${messageOf(error)}`);
    log(`skipping ${blob.url}: not found`);
  }
  return undefined;
}

/** Every disk named by the settings that exists now, sorted by id, without duplicates. */
export async function discoverDisks(
  settings: Settings,
  storage: StorageAccess,
  log: Log = () => {},
): Promise<Disk[]> {
  const byId = new Map<string, Disk>();
  for (const source of settings.sources) {
    const blobs =
      source.blobName === undefined
        ? await blobsOf(storage, source, log)
        : [await checkBlob(storage, source, log)];
    for (const blob of blobs) {
      if (blob === undefined) continue;
      const disk = diskOf(blob, settings.target);
      byId.set(disk.id, disk);
    }
  }
  return [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
}

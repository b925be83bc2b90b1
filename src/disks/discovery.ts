// Discovery of the disks to back up from BACKUP_SOURCES: a page blob URL is one disk, a container URL is
// every page blob in it; other blob types are skipped with a log line. One odd blob (a name the app
// cannot use, a half-written restore target, a blob that cannot be read) or one source that cannot be
// listed is skipped with its reason and never stops the discovery of the others. Managed disks
// (resource IDs in BACKUP_SOURCES) are found through Resource Manager (managedDiscovery.ts).
import type { ComputeAccess } from "../compute/access";
import type { Settings } from "../config/settings";
import type { StorageAccess } from "../storage/clients";
import { isNotFound, messageOf } from "../storage/errors";
import { TAG_RESTORE_RUN } from "../storage/tags";
import { type BlobLocation, blobIn, blobNameProblem } from "../storage/urls";
import { backupBlobNameOf, type Disk, diskIdOf, diskOf } from "./identity";
import { discoverManaged } from "./managedDiscovery";

export type Log = (line: string) => void;

/** A page blob in a source that is not backed up, and why (said to people in run summaries). */
export interface SkippedDisk {
  diskId: string;
  sourceUrl: string;
  reason: string;
}

export interface Discovery {
  /** Sorted by id, without duplicates. */
  disks: Disk[];
  skipped: SkippedDisk[];
}

interface Candidate {
  blob: BlobLocation;
  metadata: Record<string, string>;
}

/** Why this page blob is not backed up now, or undefined when it is a disk to back up. */
export function skipReasonOf(candidate: Candidate): string | undefined {
  const name = candidate.blob.blobName ?? "";
  const problem = blobNameProblem(name);
  if (problem !== undefined) return `its name ${problem}: the app neither reads nor writes such names`;
  const backupName = backupBlobNameOf(candidate.blob);
  const backupProblem = blobNameProblem(backupName);
  if (backupProblem !== undefined) {
    return `its backup blob name (<account>/<container>/<blob>) ${backupProblem}: rename the disk to back it up`;
  }
  const restore = candidate.metadata[TAG_RESTORE_RUN];
  if (restore !== undefined) {
    return `a restore to it (restore point ${restore}) has not completed: a half-written disk is never backed up (see that restore point's reason)`;
  }
  return undefined;
}

async function blobsOf(storage: StorageAccess, container: BlobLocation, log: Log): Promise<Candidate[]> {
  const found: Candidate[] = [];
  try {
    for await (const item of storage.container(container).listBlobsFlat({ includeMetadata: true })) {
      if (item.properties.blobType === "PageBlob")
        found.push({ blob: blobIn(container, item.name), metadata: item.metadata ?? {} });
      else
        log(
          `skipping ${container.url}/${encodeURIComponent(item.name)}: ${item.properties.blobType ?? "unknown"} blob, not a page blob`,
        );
    }
  } catch (error) {
    if (isNotFound(error)) log(`source container ${container.url} does not exist`);
    // The disks listed so far are kept; the others wait for the next run, which lists again.
    else
      log(
        `cannot list source container ${container.url}, its other disks are skipped in this run: ${messageOf(error)}`,
      );
  }
  return found;
}

async function checkBlob(
  storage: StorageAccess,
  blob: BlobLocation,
  log: Log,
): Promise<Candidate | SkippedDisk | undefined> {
  try {
    const props = await storage.pageBlob(blob).getProperties();
    if (props.blobType === "PageBlob") return { blob, metadata: props.metadata ?? {} };
    log(`skipping ${blob.url}: ${props.blobType ?? "unknown"} blob, not a page blob`);
  } catch (error) {
    if (!isNotFound(error)) {
      return { diskId: diskIdOf(blob), sourceUrl: blob.url, reason: `cannot read it: ${messageOf(error)}` };
    }
    log(`skipping ${blob.url}: not found`);
  }
  return undefined;
}

/**
 * Every disk named by the settings that exists now, and the disks skipped with their reasons. Managed
 * disks are discovered only when a Resource Manager access is given.
 */
export async function discover(
  settings: Settings,
  storage: StorageAccess,
  log: Log = () => {},
  compute?: ComputeAccess,
): Promise<Discovery> {
  const byId = new Map<string, Disk>();
  const skipped = new Map<string, SkippedDisk>();
  const skip = (s: SkippedDisk) => {
    log(`skipping ${s.sourceUrl.slice(0, 300)}: ${s.reason}`);
    skipped.set(s.diskId, s);
  };
  for (const source of settings.sources) {
    const found =
      source.blobName === undefined
        ? await blobsOf(storage, source, log)
        : [await checkBlob(storage, source, log)];
    for (const entry of found) {
      if (entry === undefined) continue;
      if ("reason" in entry) {
        skip(entry);
        continue;
      }
      const reason = skipReasonOf(entry);
      const diskId = diskIdOf(entry.blob);
      if (reason !== undefined) skip({ diskId, sourceUrl: entry.blob.url, reason });
      else byId.set(diskId, diskOf(entry.blob, settings.target));
    }
  }
  if (compute && settings.managedSources.length > 0) {
    const managed = await discoverManaged(settings, compute, log);
    for (const disk of managed.disks) byId.set(disk.id, disk);
    for (const s of managed.skipped) skipped.set(s.diskId, s);
  }
  return {
    disks: [...byId.values()].sort((a, b) => a.id.localeCompare(b.id)),
    skipped: [...skipped.values()]
      .filter((s) => !byId.has(s.diskId))
      .sort((a, b) => a.diskId.localeCompare(b.diskId)),
  };
}

/** Every disk named by the settings that exists now, sorted by id, without duplicates. */
export async function discoverDisks(
  settings: Settings,
  storage: StorageAccess,
  log: Log = () => {},
  compute?: ComputeAccess,
): Promise<Disk[]> {
  return (await discover(settings, storage, log, compute)).disks;
}

// Disk identity: a stable id per source page blob that is URL-safe, Table-key-safe and readable by a
// person, and the name of the disk's backup blob in the backup container (unique per source).
import { createHash } from "node:crypto";
import { type BlobLocation, blobIn } from "../storage/urls";

export interface Disk {
  /** e.g. devstoreaccount1-vhds-mypremiumdisk-vhd-3f2a9c1b */
  id: string;
  source: BlobLocation;
  /** The backup blob derived from the source (a restored disk's lineage may point elsewhere). */
  backup: BlobLocation;
}

const MAX_READABLE = 80;

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

/** `<account>-<container>-<blob>-<8 hex>`: readable part truncated, hash of the exact source keeps it unique. */
export function diskIdOf(source: BlobLocation): string {
  if (source.blobName === undefined) throw new Error(`${source.url} is a container, not a disk`);
  const hash = createHash("sha256")
    .update(`${source.accountName}/${source.containerName}/${source.blobName}`)
    .digest("hex")
    .slice(0, 8);
  const readable = slug(`${source.accountName}-${source.containerName}-${source.blobName}`).slice(
    0,
    MAX_READABLE,
  );
  return `${readable.replace(/-+$/, "")}-${hash}`;
}

/** Disk ids are only [a-z0-9-]: safe in URLs, Table keys and durable instance ids. */
export function isDiskId(text: string): boolean {
  return /^[a-z0-9][a-z0-9-]{0,120}$/.test(text);
}

/** Backup blob name: `<account>/<container>/<blob>`, so two sources never collide and a person can tell. */
export function backupBlobNameOf(source: BlobLocation): string {
  return `${source.accountName}/${source.containerName}/${source.blobName ?? ""}`;
}

export function diskOf(source: BlobLocation, target: BlobLocation): Disk {
  return { id: diskIdOf(source), source, backup: blobIn(target, backupBlobNameOf(source)) };
}

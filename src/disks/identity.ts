// Disk identity: a stable id per source (a page blob, or a managed disk) that is URL-safe, Table-key-safe
// and readable by a person, and the name of the disk's backup blob in the backup container (unique per
// source).
import { createHash } from "node:crypto";
import type { ComputeRef } from "../compute/resourceIds";
import { type BlobLocation, blobIn } from "../storage/urls";

/** A page blob to back up (a VHD, an unmanaged disk). */
export interface PageBlobDisk {
  kind: "pageBlob";
  /** e.g. devstoreaccount1-vhds-mypremiumdisk-vhd-3f2a9c1b */
  id: string;
  /** The blob URL: what runs and lineage rows call the source. */
  sourceUrl: string;
  source: BlobLocation;
  /** The backup blob derived from the source (a restored disk's lineage may point elsewhere). */
  backup: BlobLocation;
}

/** A managed disk to back up, through Resource Manager snapshots. */
export interface ManagedDisk {
  kind: "managedDisk";
  /** e.g. md-local-rg-data1-3f2a9c1b */
  id: string;
  /** The disk's resource ID: what runs and lineage rows call the source. */
  sourceUrl: string;
  ref: ComputeRef;
  backup: BlobLocation;
}

export type Disk = PageBlobDisk | ManagedDisk;

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

export function diskOf(source: BlobLocation, target: BlobLocation): PageBlobDisk {
  return {
    kind: "pageBlob",
    id: diskIdOf(source),
    sourceUrl: source.url,
    source,
    backup: blobIn(target, backupBlobNameOf(source)),
  };
}

const hash8 = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 8);

/** `md-<resource group>-<disk name>-<8 hex>`; resource IDs are case-insensitive, so is the id. */
export function managedDiskIdOf(disk: ComputeRef): string {
  const readable = slug(`md-${disk.resourceGroup}-${disk.name}`).slice(0, MAX_READABLE);
  return `${readable.replace(/-+$/, "")}-${hash8(disk.id.toLowerCase())}`;
}

/**
 * Backup blob name of a managed disk: `managed-disks/<subscription>/<group>/<disk>` (lowercase, as the
 * IDs are case-insensitive). A page blob's starts with an account name, which never holds a dash.
 */
export function managedBackupBlobNameOf(disk: ComputeRef): string {
  return `managed-disks/${disk.subscriptionId}/${disk.resourceGroup}/${disk.name}`.toLowerCase();
}

export function managedDiskOf(disk: ComputeRef, target: BlobLocation): ManagedDisk {
  return {
    kind: "managedDisk",
    id: managedDiskIdOf(disk),
    sourceUrl: disk.id,
    ref: disk,
    backup: blobIn(target, managedBackupBlobNameOf(disk)),
  };
}

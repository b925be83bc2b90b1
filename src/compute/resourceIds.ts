// Resource Manager IDs of managed disks, snapshots and resource groups (pure): parsing with the
// service's name rules, canonical forms, and the names this app gives the snapshots it takes.
import type { Parsed } from "../storage/urls";

/** Azure's public cloud Resource Manager endpoint (the default of ARM_ENDPOINT). */
export const PUBLIC_ARM_ENDPOINT = "https://management.azure.com";

/** A resource group the app is configured for (a BACKUP_SOURCES entry, a RESTORE_TARGETS entry). */
export interface ResourceGroupRef {
  subscriptionId: string;
  resourceGroup: string;
  /** `/subscriptions/<sub>/resourceGroups/<rg>` */
  id: string;
}

/** A managed disk or a snapshot. */
export interface ComputeRef extends ResourceGroupRef {
  name: string;
  /** The full resource ID (`…/providers/Microsoft.Compute/disks/<name>` or `…/snapshots/<name>`). */
  id: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Resource group names: 1-90 of letters, digits, `_ - . ( )`, not ending with a dot (ASCII only here). */
const GROUP = /^[-\w.()]{0,89}[-\w()]$/;
/** Disk and snapshot names: 1-80 of letters, digits, `_ - .`, starting with a letter or digit, not ending with `.` or `-`. */
const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,78}[A-Za-z0-9_])?$/;

export const isSubscriptionId = (text: string): boolean => GUID.test(text);
export const isResourceGroupName = (text: string): boolean => GROUP.test(text);
export const isComputeName = (text: string): boolean => NAME.test(text);

/** Whether a BACKUP_SOURCES or RESTORE_TARGETS entry is written as a resource ID (not a URL). */
export const looksLikeResourceId = (text: string): boolean => text.startsWith("/");

export function groupId(subscriptionId: string, resourceGroup: string): string {
  return `/subscriptions/${subscriptionId.toLowerCase()}/resourceGroups/${resourceGroup}`;
}

export function groupRef(subscriptionId: string, resourceGroup: string): ResourceGroupRef {
  return {
    subscriptionId: subscriptionId.toLowerCase(),
    resourceGroup,
    id: groupId(subscriptionId, resourceGroup),
  };
}

export function diskRef(group: ResourceGroupRef, name: string): ComputeRef {
  return { ...group, name, id: `${group.id}/providers/Microsoft.Compute/disks/${name}` };
}

export function snapshotRef(group: ResourceGroupRef, name: string): ComputeRef {
  return { ...group, name, id: `${group.id}/providers/Microsoft.Compute/snapshots/${name}` };
}

/** Resource IDs are case-insensitive: two IDs name the same resource when these keys are equal. */
export const sameResource = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

const GROUP_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)$/i;
const COMPUTE_ID =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/(disks|snapshots)\/([^/]+)$/i;

function checkGroup(subscriptionId: string, resourceGroup: string): string | undefined {
  if (!isSubscriptionId(subscriptionId))
    return `"${subscriptionId.slice(0, 40)}" is not a subscription id (a GUID)`;
  if (!isResourceGroupName(resourceGroup))
    return `"${resourceGroup.slice(0, 100)}" is not a resource group name`;
  return undefined;
}

/** A resource group ID: `/subscriptions/<guid>/resourceGroups/<name>`. */
export function parseGroupId(text: string): Parsed<ResourceGroupRef> {
  const m = GROUP_ID.exec(text);
  if (!m)
    return { ok: false, error: "is not a resource group ID (/subscriptions/<id>/resourceGroups/<name>)" };
  const problem = checkGroup(m[1] ?? "", m[2] ?? "");
  if (problem) return { ok: false, error: problem };
  return { ok: true, value: groupRef(m[1] ?? "", m[2] ?? "") };
}

/** A managed disk's (or snapshot's) resource ID. */
export function parseComputeId(text: string, type: "disks" | "snapshots" = "disks"): Parsed<ComputeRef> {
  const m = COMPUTE_ID.exec(text);
  if (!m || m[3]?.toLowerCase() !== type) {
    return {
      ok: false,
      error: `is not a ${type === "disks" ? "managed disk" : "snapshot"} resource ID (/subscriptions/<id>/resourceGroups/<name>/providers/Microsoft.Compute/${type}/<name>)`,
    };
  }
  const problem = checkGroup(m[1] ?? "", m[2] ?? "");
  if (problem) return { ok: false, error: problem };
  const name = m[4] ?? "";
  if (!isComputeName(name))
    return {
      ok: false,
      error: `"${name.slice(0, 100)}" is not a valid ${type === "disks" ? "disk" : "snapshot"} name`,
    };
  const group = groupRef(m[1] ?? "", m[2] ?? "");
  return { ok: true, value: type === "disks" ? diskRef(group, name) : snapshotRef(group, name) };
}

/** Like parseComputeId, for IDs the app itself recorded or received from Resource Manager. */
export function requireComputeId(text: string, type: "disks" | "snapshots" = "disks"): ComputeRef {
  const parsed = parseComputeId(text, type);
  if (!parsed.ok) throw new Error(`${text}: ${parsed.error}`);
  return parsed.value;
}

/** Whether a source (a lineage `sourceUrl`, a run's source) is a managed disk rather than a page blob. */
export const isManagedDiskSource = (source: string): boolean => parseComputeId(source).ok;

/**
 * The incremental snapshot a backup run takes of a disk: `bk-<disk name>-<restore point id>`, at most 80
 * characters. Deterministic, so a retried step finds the snapshot instead of taking another.
 */
export function backupSnapshotName(diskName: string, restorePointId: string): string {
  const tail = `-${restorePointId}`;
  const head = `bk-${diskName}`.slice(0, 80 - tail.length).replace(/[.-]+$/, "");
  return `${head}${tail}`;
}

/** Where the app keeps a disk's snapshots: SNAPSHOT_RESOURCE_GROUP (in the disk's subscription), or the disk's own group. */
export function snapshotGroupFor(
  snapshotResourceGroup: string | undefined,
  disk: ComputeRef,
): ResourceGroupRef {
  return groupRef(disk.subscriptionId, snapshotResourceGroup ?? disk.resourceGroup);
}

/**
 * How long a SAS on a disk or snapshot lasts: hours, not days (the service allows 60 days), long enough
 * for a full copy of the disk at a modest rate: 4 hours plus one per 100 GiB, at most 48.
 */
export function sasSecondsFor(sizeBytes: number): number {
  return Math.min(48, 4 + Math.ceil(sizeBytes / (100 * 1024 ** 3))) * 3600;
}

// Resource IDs and the JSON the service returns for disks and snapshots (the fields the app and
// the SDK's mappers read), computed from the stored records at the time of the request.
import type { DiskRecord, Grant, SnapshotRecord } from "./state";

export const GIB = 1024 ** 3;
export const SKUS: Record<string, string> = {
  Standard_LRS: "Standard",
  Premium_LRS: "Premium",
  StandardSSD_LRS: "StandardSSD",
  UltraSSD_LRS: "Ultra",
  Premium_ZRS: "Premium",
  StandardSSD_ZRS: "StandardSSD",
  PremiumV2_LRS: "PremiumV2",
};
/** Disks whose snapshots are readable only after a background copy (completionPercent). */
export const BACKGROUND_COPY_SKUS = new Set(["PremiumV2_LRS", "UltraSSD_LRS"]);
export const SNAPSHOT_SKUS: Record<string, string> = {
  Standard_LRS: "Standard",
  Premium_LRS: "Premium",
  Standard_ZRS: "Standard",
};

export interface Scope {
  subscriptionId: string;
}

export type ResourceType = "disks" | "snapshots";

export function resourceId(scope: Scope, resourceGroup: string, type: ResourceType, name: string): string {
  return `/subscriptions/${scope.subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Compute/${type}/${name}`;
}

/** `{ resourceGroup, type, name }` of a compute resource ID in this subscription, else undefined. */
export function parseResourceId(
  scope: Scope,
  id: string,
): { resourceGroup: string; type: ResourceType; name: string } | undefined {
  const match =
    /^\/?subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/(disks|snapshots)\/([^/]+)$/i.exec(
      id,
    );
  if (match === null || match[1]?.toLowerCase() !== scope.subscriptionId.toLowerCase()) return undefined;
  return {
    resourceGroup: match[2] ?? "",
    type: (match[3]?.toLowerCase() ?? "disks") as ResourceType,
    name: match[4] ?? "",
  };
}

export const activeGrant = (grant: Grant | undefined, now: number): Grant | undefined =>
  grant !== undefined && Date.parse(grant.expiresOn) > now ? grant : undefined;

export function diskState(disk: DiskRecord, now: number): string {
  if (disk.uploadState !== undefined) return disk.uploadState;
  if (disk.managedBy !== undefined) return "Attached";
  return activeGrant(disk.grant, now) !== undefined ? "ActiveSAS" : "Unattached";
}

const provisioning = (readyAt: number, now: number) => (now < readyAt ? "Updating" : "Succeeded");

function common(record: DiskRecord | SnapshotRecord) {
  return {
    ...(record.osType ? { osType: record.osType } : {}),
    ...(record.hyperVGeneration ? { hyperVGeneration: record.hyperVGeneration } : {}),
    diskSizeGB: Math.ceil(record.diskSizeBytes / GIB),
    diskSizeBytes: record.diskSizeBytes,
    uniqueId: record.uniqueId,
    timeCreated: record.timeCreated,
    encryption: { type: "EncryptionAtRestWithPlatformKey" },
    networkAccessPolicy: "AllowAll",
    publicNetworkAccess: "Enabled",
    ...(record.dataAccessAuthMode ? { dataAccessAuthMode: record.dataAccessAuthMode } : {}),
    supportedCapabilities: {},
  };
}

export function diskJson(scope: Scope, disk: DiskRecord, now: number): Record<string, unknown> {
  return {
    id: resourceId(scope, disk.resourceGroup, "disks", disk.name),
    name: disk.name,
    type: "Microsoft.Compute/disks",
    location: disk.location,
    tags: disk.tags,
    ...(disk.managedBy ? { managedBy: disk.managedBy } : {}),
    sku: { name: disk.skuName, tier: SKUS[disk.skuName] },
    properties: {
      ...common(disk),
      creationData: {
        createOption: disk.createOption,
        ...(disk.sourceResourceId ? { sourceResourceId: disk.sourceResourceId } : {}),
        ...(disk.sourceUniqueId ? { sourceUniqueId: disk.sourceUniqueId } : {}),
        ...(disk.uploadSizeBytes ? { uploadSizeBytes: disk.uploadSizeBytes } : {}),
        logicalSectorSize: disk.logicalSectorSize,
      },
      provisioningState: provisioning(disk.readyAt, now),
      diskState: diskState(disk, now),
    },
  };
}

/** completionPercent of a snapshot's background copy (100 at once for most disk types). */
export function completionPercent(snapshot: SnapshotRecord, now: number): number {
  const total = snapshot.copyCompleteAt - snapshot.copyStartedAt;
  if (total <= 0 || now >= snapshot.copyCompleteAt) return 100;
  return Math.min(99, Math.floor(((now - snapshot.copyStartedAt) / total) * 100));
}

export function snapshotJson(scope: Scope, snapshot: SnapshotRecord, now: number): Record<string, unknown> {
  const percent = completionPercent(snapshot, now);
  return {
    id: resourceId(scope, snapshot.resourceGroup, "snapshots", snapshot.name),
    name: snapshot.name,
    type: "Microsoft.Compute/snapshots",
    location: snapshot.location,
    tags: snapshot.tags,
    sku: { name: snapshot.skuName, tier: SNAPSHOT_SKUS[snapshot.skuName] },
    properties: {
      ...common(snapshot),
      creationData: {
        createOption: "Copy",
        sourceResourceId: snapshot.sourceResourceId,
        sourceUniqueId: snapshot.sourceUniqueId,
        logicalSectorSize: snapshot.logicalSectorSize,
      },
      incremental: snapshot.incremental,
      ...(snapshot.incrementalSnapshotFamilyId
        ? { incrementalSnapshotFamilyId: snapshot.incrementalSnapshotFamilyId }
        : {}),
      completionPercent: percent,
      snapshotAccessState: percent < 100 ? "Pending" : "Available",
      provisioningState: provisioning(snapshot.readyAt, now),
      diskState: activeGrant(snapshot.grant, now) !== undefined ? "ActiveSAS" : "Unattached",
    },
  };
}

/** The body of a 202 to PUT: the resource as it will be, still "Updating" (as the service shows it). */
export function updating(json: Record<string, unknown>): Record<string, unknown> {
  const properties = json.properties as Record<string, unknown>;
  return { ...json, properties: { ...properties, provisioningState: "Updating" } };
}

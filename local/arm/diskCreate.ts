// The parts of disk PUT that involve another resource or an existing disk: creating a disk as a
// copy of a snapshot or disk, and updating a disk (tags, sku, auth mode, growing its size).
import type { StandInContext } from "./context";
import { invalidParameter, notFound, operationNotAllowed, propertyChangeNotAllowed } from "./errors";
import { type Json, oneOf, optionalInteger, tags } from "./input";
import { completionPercent, diskState, GIB, parseResourceId, SKUS } from "./resources";
import { type DiskRecord, resourceKey } from "./state";

/** Fills `disk` from its source (a snapshot or another disk) and copies the source's blob. */
export async function createFromSource(
  ctx: StandInContext,
  disk: DiskRecord,
  sourceId: string,
  sizeGB: number | undefined,
): Promise<void> {
  const parsed = parseResourceId(ctx.scope, sourceId);
  if (parsed === undefined) {
    throw invalidParameter(
      "sourceResourceId",
      `The sourceResourceId '${sourceId}' is not a disk or snapshot of subscription '${ctx.scope.subscriptionId}'.`,
    );
  }
  const key = resourceKey(parsed.resourceGroup, parsed.name);
  const source = parsed.type === "disks" ? ctx.store.state.disks[key] : ctx.store.state.snapshots[key];
  if (source === undefined) {
    throw notFound(`Microsoft.Compute/${parsed.type}`, parsed.name, parsed.resourceGroup);
  }
  if ("copyCompleteAt" in source && completionPercent(source, Date.now()) < 100) {
    throw operationNotAllowed(
      `Snapshot '${source.name}' is still being copied (snapshotAccessState Pending).`,
    );
  }
  if ("uploadState" in source && source.uploadState !== undefined) {
    throw operationNotAllowed(
      `Disk '${source.name}' is in state '${source.uploadState}' and cannot be copied.`,
    );
  }
  const wanted = sizeGB === undefined ? source.diskSizeBytes : sizeGB * GIB;
  if (wanted < source.diskSizeBytes) {
    throw invalidParameter("diskSizeGB", "The disk size cannot be smaller than the size of its source.");
  }
  disk.sourceResourceId = sourceId;
  disk.sourceUniqueId = source.uniqueId;
  disk.logicalSectorSize = source.logicalSectorSize;
  if (disk.osType === undefined && source.osType !== undefined) disk.osType = source.osType;
  if (disk.hyperVGeneration === undefined && source.hyperVGeneration !== undefined) {
    disk.hyperVGeneration = source.hyperVGeneration;
  }
  await ctx.storage.copy(source.blob, disk.blob);
  disk.diskSizeBytes = source.diskSizeBytes;
  if (wanted > source.diskSizeBytes) {
    await ctx.storage.resizeDisk(disk.blob, source.diskSizeBytes, wanted);
    disk.diskSizeBytes = wanted;
  }
}

/** PUT on an existing disk: what may change changes, creation data may not. */
export async function updateDisk(
  ctx: StandInContext,
  disk: DiskRecord,
  body: Json,
  properties: Json,
  creation: Json,
): Promise<void> {
  if (typeof body.location === "string" && body.location.replace(/\s/g, "").toLowerCase() !== disk.location) {
    throw propertyChangeNotAllowed("location");
  }
  const option = typeof creation.createOption === "string" ? creation.createOption : undefined;
  if (option !== undefined && option.toLowerCase() !== disk.createOption.toLowerCase()) {
    throw propertyChangeNotAllowed("creationData.createOption");
  }
  const sku = oneOf((body.sku as Json | undefined)?.name, "sku.name", Object.keys(SKUS));
  const mode = oneOf(properties.dataAccessAuthMode, "dataAccessAuthMode", ["AzureActiveDirectory", "None"]);
  const sizeGB = optionalInteger(properties.diskSizeGB, "diskSizeGB", 1, 8191);
  const newTags = body.tags === undefined ? undefined : tags(body.tags);
  const wanted = sizeGB === undefined ? disk.diskSizeBytes : sizeGB * GIB;
  if (wanted < disk.diskSizeBytes) {
    throw operationNotAllowed(`Disk '${disk.name}' cannot shrink from ${disk.diskSizeBytes} bytes.`);
  }
  if (wanted > disk.diskSizeBytes) {
    const state = diskState(disk, Date.now());
    if (state !== "Unattached") {
      throw operationNotAllowed(`Disk '${disk.name}' can be resized only when Unattached (it is ${state}).`);
    }
    await ctx.storage.resizeDisk(disk.blob, disk.diskSizeBytes, wanted);
    disk.diskSizeBytes = wanted;
  }
  if (sku !== undefined) disk.skuName = sku;
  if (mode !== undefined) disk.dataAccessAuthMode = mode;
  if (newTags !== undefined) disk.tags = newTags;
  disk.readyAt = Date.now() + ctx.operationDelayMs;
}

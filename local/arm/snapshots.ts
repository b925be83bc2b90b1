// Microsoft.Compute/snapshots: get, list, create (Copy of a disk; incremental = a blob snapshot of
// the disk's blob, full = a copied blob), delete, grant/revoke read access.
import { randomUUID } from "node:crypto";
import { endGrant, issueGrant, parseGrantRequest } from "./access";
import { type Reply, requireGroup, type StandInContext } from "./context";
import { findDisk } from "./disks";
import {
  ArmError,
  invalidParameter,
  notFound,
  operationNotAllowed,
  propertyChangeNotAllowed,
} from "./errors";
import { location, object, oneOf, optionalString, required, resourceName, tags } from "./input";
import { checkNewIncrementalSnapshot, checkSnapshotAccess, recordSnapshotTime } from "./limits";
import { BACKGROUND_COPY_SKUS, parseResourceId, resourceId, snapshotJson, updating } from "./resources";
import { resourceKey, type SnapshotRecord } from "./state";

const TYPE = "Microsoft.Compute/snapshots";

function findSnapshot(ctx: StandInContext, resourceGroup: string, name: string): SnapshotRecord {
  const group = requireGroup(ctx, resourceGroup);
  const snapshot = ctx.store.state.snapshots[resourceKey(group.name, name)];
  if (snapshot === undefined) throw notFound(TYPE, name, group.name);
  return snapshot;
}

export function getSnapshot(ctx: StandInContext, resourceGroup: string, name: string): Reply {
  return { status: 200, body: snapshotJson(ctx.scope, findSnapshot(ctx, resourceGroup, name), Date.now()) };
}

export function listSnapshots(ctx: StandInContext, resourceGroup?: string): Reply {
  const group = resourceGroup === undefined ? undefined : requireGroup(ctx, resourceGroup);
  const now = Date.now();
  const value = Object.values(ctx.store.state.snapshots)
    .filter((s) => group === undefined || s.resourceGroup === group.name)
    .map((s) => snapshotJson(ctx.scope, s, now));
  return { status: 200, body: { value } };
}

export function putSnapshot(
  ctx: StandInContext,
  resourceGroup: string,
  name: string,
  raw: unknown,
): Promise<Reply> {
  const group = requireGroup(ctx, resourceGroup);
  resourceName(name, TYPE);
  const body = object(raw, "snapshot");
  const properties = object(body.properties, "properties");
  const creation = object(properties.creationData, "creationData");
  const where = location(body.location, ctx.location, TYPE);
  const option = required(
    oneOf(creation.createOption, "creationData.createOption", [
      "Copy",
      "CopyStart",
      "Empty",
      "Import",
    ] as const),
    "creationData.createOption",
  );
  if (option !== "Copy") {
    throw invalidParameter("createOption", `The stand-in creates snapshots only with createOption 'Copy'.`);
  }
  const sourceId = required(
    optionalString(creation.sourceResourceId, "sourceResourceId"),
    "sourceResourceId",
  );
  const source = parseResourceId(ctx.scope, sourceId);
  if (source?.type !== "disks") {
    throw invalidParameter("sourceResourceId", `'${sourceId}' is not a managed disk of this subscription.`);
  }
  const incremental = properties.incremental === true;
  const skuName =
    oneOf(object(body.sku, "sku").name, "sku.name", [
      "Standard_LRS",
      "Premium_LRS",
      "Standard_ZRS",
    ] as const) ?? "Standard_LRS";
  const newTags = tags(body.tags);
  return ctx.store.exclusive(async () => {
    const key = resourceKey(group.name, name);
    const existing = ctx.store.state.snapshots[key];
    if (existing !== undefined) {
      // A repeated PUT (a retried step) updates the snapshot; it never takes another one.
      if (existing.sourceResourceId.toLowerCase() !== sourceId.toLowerCase()) {
        throw propertyChangeNotAllowed("creationData.sourceResourceId");
      }
      if (existing.incremental !== incremental) throw propertyChangeNotAllowed("incremental");
      existing.tags = newTags;
      return ctx.ops.accept({}, updating(snapshotJson(ctx.scope, existing, Date.now())));
    }
    const disk = findDisk(ctx, source.resourceGroup, source.name);
    if (disk.uploadState !== undefined) {
      throw operationNotAllowed(
        `Disk '${disk.name}' is in state '${disk.uploadState}' and cannot be snapshotted.`,
      );
    }
    const now = Date.now();
    if (incremental) checkNewIncrementalSnapshot(ctx, disk, now);
    const uniqueId = randomUUID();
    const blob = incremental
      ? { ...disk.blob, snapshot: await ctx.storage.snapshot(disk.blob) }
      : { container: ctx.storage.snapshotContainer, name: uniqueId };
    if (!incremental) await ctx.storage.copy(disk.blob, blob);
    const copyMs = incremental && BACKGROUND_COPY_SKUS.has(disk.skuName) ? ctx.backgroundCopyMs : 0;
    const snapshot: SnapshotRecord = {
      resourceGroup: group.name,
      name,
      location: where,
      tags: newTags,
      skuName,
      uniqueId,
      timeCreated: new Date(now).toISOString(),
      readyAt: now + ctx.operationDelayMs,
      logicalSectorSize: disk.logicalSectorSize,
      diskSizeBytes: disk.diskSizeBytes,
      blob,
      incremental,
      sourceResourceId: resourceId(ctx.scope, disk.resourceGroup, "disks", disk.name),
      sourceUniqueId: disk.uniqueId,
      copyStartedAt: now,
      copyCompleteAt: now + copyMs,
      ...(incremental ? { incrementalSnapshotFamilyId: disk.incrementalSnapshotFamilyId } : {}),
      ...(disk.osType ? { osType: disk.osType } : {}),
      ...(disk.hyperVGeneration ? { hyperVGeneration: disk.hyperVGeneration } : {}),
      ...(disk.dataAccessAuthMode ? { dataAccessAuthMode: disk.dataAccessAuthMode } : {}),
    };
    ctx.store.state.snapshots[key] = snapshot;
    if (incremental) recordSnapshotTime(ctx, disk, now);
    return ctx.ops.accept({}, updating(snapshotJson(ctx.scope, snapshot, now)));
  });
}

export function deleteSnapshot(ctx: StandInContext, resourceGroup: string, name: string): Promise<Reply> {
  const group = requireGroup(ctx, resourceGroup);
  return ctx.store.exclusive(async () => {
    const key = resourceKey(group.name, name);
    const snapshot = ctx.store.state.snapshots[key];
    if (snapshot === undefined) return { status: 204 };
    if (snapshot.grant !== undefined && Date.parse(snapshot.grant.expiresOn) > Date.now()) {
      throw operationNotAllowed(
        `Snapshot '${snapshot.name}' has an active SAS: revoke access before deleting it.`,
      );
    }
    delete ctx.store.state.snapshots[key];
    ctx.store.save();
    await ctx.storage.delete(snapshot.blob);
    const { container, name: blobName } = snapshot.blob;
    const sameBlob = (b: { container: string; name: string }) =>
      b.container === container && b.name === blobName;
    const stillUsed =
      Object.values(ctx.store.state.disks).some((d) => sameBlob(d.blob)) ||
      Object.values(ctx.store.state.snapshots).some((s) => sameBlob(s.blob));
    // The last snapshot of a deleted disk takes the disk's (emptied) blob with it.
    if (snapshot.blob.snapshot !== undefined && !stillUsed)
      await ctx.storage.delete({ container, name: blobName });
    return ctx.ops.accept({});
  });
}

export function grantSnapshotAccess(
  ctx: StandInContext,
  resourceGroup: string,
  name: string,
  raw: unknown,
): Promise<Reply> {
  const request = parseGrantRequest(ctx, object(raw, "grantAccessData"));
  return ctx.store.exclusive(async () => {
    const snapshot = findSnapshot(ctx, resourceGroup, name);
    if (request.access !== "Read") {
      throw operationNotAllowed(`Only Read access can be granted to snapshot '${snapshot.name}'.`);
    }
    if (snapshot.logicalSectorSize === 4096 && request.fileFormat?.toUpperCase() !== "VHDX") {
      throw new ArmError(
        400,
        "InvalidParameter",
        `Snapshot '${snapshot.name}' has a 4096-byte logical sector size: request fileFormat 'VHDX'.`,
        {},
        "fileFormat",
      );
    }
    if (snapshot.logicalSectorSize === 4096) {
      throw invalidParameter("fileFormat", "The stand-in does not serve VHDX exports.");
    }
    checkSnapshotAccess(ctx, snapshot, Date.now());
    const grant = await issueGrant(ctx, snapshot, request);
    return ctx.ops.accept({ output: { accessSAS: grant.sasUrl } });
  });
}

export function revokeSnapshotAccess(
  ctx: StandInContext,
  resourceGroup: string,
  name: string,
): Promise<Reply> {
  return ctx.store.exclusive(async () => {
    const snapshot = findSnapshot(ctx, resourceGroup, name);
    await endGrant(ctx, snapshot);
    return ctx.ops.accept({});
  });
}

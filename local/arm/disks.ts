// Microsoft.Compute/disks: get, list, create (Empty, Upload, Copy) or update, delete, and
// grant/revoke access (Read SAS; Write SAS for uploads, whose footer is checked on revoke).
import { randomUUID } from "node:crypto";
import { endGrant, issueGrant, parseGrantRequest } from "./access";
import { type Reply, requireGroup, type StandInContext } from "./context";
import { createFromSource, updateDisk } from "./diskCreate";
import { ArmError, notFound, operationNotAllowed } from "./errors";
import {
  type Json,
  location,
  object,
  oneOf,
  optionalInteger,
  optionalString,
  required,
  resourceName,
  tags,
} from "./input";
import { diskJson, diskState, updating } from "./resources";
import { type DiskRecord, resourceKey } from "./state";
import { FOOTER_SIZE, footerProblem } from "./vhd";

const TYPE = "Microsoft.Compute/disks";
export const CREATE_OPTIONS = ["Empty", "Upload", "Copy"] as const;
const MIN_UPLOAD_BYTES = 20 * 1024 * 1024 + FOOTER_SIZE;

export function findDisk(ctx: StandInContext, resourceGroup: string, name: string): DiskRecord {
  const group = requireGroup(ctx, resourceGroup);
  const disk = ctx.store.state.disks[resourceKey(group.name, name)];
  if (disk === undefined) throw notFound(TYPE, name, group.name);
  return disk;
}

export function getDisk(ctx: StandInContext, resourceGroup: string, name: string): Reply {
  return { status: 200, body: diskJson(ctx.scope, findDisk(ctx, resourceGroup, name), Date.now()) };
}

export function listDisks(ctx: StandInContext, resourceGroup?: string): Reply {
  const group = resourceGroup === undefined ? undefined : requireGroup(ctx, resourceGroup);
  const now = Date.now();
  const value = Object.values(ctx.store.state.disks)
    .filter((d) => group === undefined || d.resourceGroup === group.name)
    .map((d) => diskJson(ctx.scope, d, now));
  return { status: 200, body: { value } };
}

/** PUT: creates the disk (its blob in the storage emulator) or updates an existing one. */
export function putDisk(
  ctx: StandInContext,
  resourceGroup: string,
  name: string,
  raw: unknown,
): Promise<Reply> {
  const group = requireGroup(ctx, resourceGroup);
  resourceName(name, TYPE);
  const body = object(raw, "disk");
  const properties = object(body.properties, "properties");
  const creation = object(properties.creationData, "creationData");
  return ctx.store.exclusive(async () => {
    const existing = ctx.store.state.disks[resourceKey(group.name, name)];
    if (existing !== undefined) {
      await updateDisk(ctx, existing, body, properties, creation);
    } else {
      const disk = await createDisk(ctx, group.name, name, body, properties, creation);
      ctx.store.state.disks[resourceKey(group.name, name)] = disk;
    }
    const disk = ctx.store.state.disks[resourceKey(group.name, name)] as DiskRecord;
    return ctx.ops.accept({}, updating(diskJson(ctx.scope, disk, Date.now())));
  });
}

async function createDisk(
  ctx: StandInContext,
  resourceGroup: string,
  name: string,
  body: Json,
  properties: Json,
  creation: Json,
): Promise<DiskRecord> {
  const where = location(body.location, ctx.location, TYPE);
  const createOption = required(
    oneOf(creation.createOption, "creationData.createOption", CREATE_OPTIONS),
    "creationData.createOption",
  );
  const skuName =
    oneOf(object(body.sku, "sku").name, "sku.name", [
      "Standard_LRS",
      "Premium_LRS",
      "StandardSSD_LRS",
      "UltraSSD_LRS",
      "Premium_ZRS",
      "StandardSSD_ZRS",
      "PremiumV2_LRS",
    ] as const) ?? "Standard_LRS";
  const fourK = skuName === "UltraSSD_LRS" || skuName === "PremiumV2_LRS";
  const sector = optionalInteger(creation.logicalSectorSize, "creationData.logicalSectorSize", 512, 4096);
  if (sector !== undefined && sector !== 512 && sector !== 4096) {
    throw new ArmError(
      400,
      "InvalidParameter",
      "logicalSectorSize must be 512 or 4096.",
      {},
      "logicalSectorSize",
    );
  }
  if (sector === 4096 && !fourK) {
    throw new ArmError(
      400,
      "InvalidParameter",
      "A logical sector size of 4096 is supported only for UltraSSD_LRS and PremiumV2_LRS disks.",
      {},
      "logicalSectorSize",
    );
  }
  const now = Date.now();
  const disk: DiskRecord = {
    resourceGroup,
    name,
    location: where,
    tags: tags(body.tags),
    skuName,
    uniqueId: randomUUID(),
    timeCreated: new Date(now).toISOString(),
    readyAt: now + ctx.operationDelayMs,
    logicalSectorSize: sector ?? (fourK ? 4096 : 512),
    diskSizeBytes: 0,
    blob: { container: ctx.storage.diskContainer, name: `${resourceGroup}/${name}` },
    createOption,
    incrementalSnapshotFamilyId: randomUUID(),
  };
  const osType = oneOf(properties.osType, "osType", ["Windows", "Linux"] as const);
  const hyperV = oneOf(properties.hyperVGeneration, "hyperVGeneration", ["V1", "V2"] as const);
  const mode = oneOf(properties.dataAccessAuthMode, "dataAccessAuthMode", [
    "AzureActiveDirectory",
    "None",
  ] as const);
  if (osType) disk.osType = osType;
  if (hyperV) disk.hyperVGeneration = hyperV;
  if (mode) disk.dataAccessAuthMode = mode;
  const sizeGB = optionalInteger(properties.diskSizeGB, "diskSizeGB", 1, 8191);
  if (createOption === "Empty") {
    disk.diskSizeBytes = required(sizeGB, "diskSizeGB") * 1024 ** 3;
    await ctx.storage.createDisk(disk.blob, disk.diskSizeBytes);
  } else if (createOption === "Upload") {
    const upload = required(
      optionalInteger(
        creation.uploadSizeBytes,
        "creationData.uploadSizeBytes",
        MIN_UPLOAD_BYTES,
        8 * 1024 ** 4,
      ),
      "creationData.uploadSizeBytes",
    );
    if (upload % 512 !== 0) {
      throw new ArmError(
        400,
        "InvalidParameter",
        "uploadSizeBytes must be a multiple of 512.",
        {},
        "uploadSizeBytes",
      );
    }
    disk.uploadSizeBytes = upload;
    disk.diskSizeBytes = upload - FOOTER_SIZE;
    disk.uploadState = "ReadyToUpload";
    await ctx.storage.createDisk(disk.blob, disk.diskSizeBytes, false);
  } else {
    const source = required(
      optionalString(creation.sourceResourceId, "creationData.sourceResourceId"),
      "creationData.sourceResourceId",
    );
    await createFromSource(ctx, disk, source, sizeGB);
  }
  return disk;
}

export function deleteDisk(ctx: StandInContext, resourceGroup: string, name: string): Promise<Reply> {
  const group = requireGroup(ctx, resourceGroup);
  return ctx.store.exclusive(async () => {
    const key = resourceKey(group.name, name);
    const disk = ctx.store.state.disks[key];
    if (disk === undefined) return { status: 204 };
    const state = diskState(disk, Date.now());
    if (state !== "Unattached" && state !== "ReadyToUpload") {
      throw operationNotAllowed(`Disk '${disk.name}' cannot be deleted while its state is '${state}'.`);
    }
    delete ctx.store.state.disks[key];
    ctx.store.save();
    const kept = Object.values(ctx.store.state.snapshots).some(
      (s) => s.blob.container === disk.blob.container && s.blob.name === disk.blob.name,
    );
    // Incremental snapshots are blob snapshots of the disk's blob: they outlive the disk.
    if (kept) await ctx.storage.truncate(disk.blob);
    else await ctx.storage.delete(disk.blob);
    return ctx.ops.accept({});
  });
}

export function grantDiskAccess(
  ctx: StandInContext,
  resourceGroup: string,
  name: string,
  raw: unknown,
): Promise<Reply> {
  const request = parseGrantRequest(ctx, object(raw, "grantAccessData"));
  return ctx.store.exclusive(async () => {
    const disk = findDisk(ctx, resourceGroup, name);
    const state = diskState(disk, Date.now());
    if (state === "Attached") {
      throw operationNotAllowed(`Disk '${disk.name}' is attached to '${disk.managedBy}': detach it first.`);
    }
    if (request.access === "Write" && disk.uploadState === undefined) {
      throw operationNotAllowed(
        `Write access can be granted only to a disk created with createOption Upload.`,
      );
    }
    if (request.access === "Read" && disk.uploadState !== undefined) {
      throw operationNotAllowed(
        `Disk '${disk.name}' is in state '${state}': only Write access can be granted.`,
      );
    }
    const grant = await issueGrant(ctx, disk, request);
    if (request.access === "Write") disk.uploadState = "ActiveUpload";
    return ctx.ops.accept({ output: { accessSAS: grant.sasUrl } });
  });
}

export function revokeDiskAccess(ctx: StandInContext, resourceGroup: string, name: string): Promise<Reply> {
  return ctx.store.exclusive(async () => {
    const disk = findDisk(ctx, resourceGroup, name);
    if (disk.uploadState === "ActiveUpload") await finishUpload(ctx, disk);
    await endGrant(ctx, disk);
    return ctx.ops.accept({});
  });
}

/** An upload ends only with a valid fixed-VHD footer; otherwise revoke fails and nothing changes. */
async function finishUpload(ctx: StandInContext, disk: DiskRecord): Promise<void> {
  const length = (await ctx.storage.length(disk.blob)) ?? 0;
  const problem = footerProblem(await ctx.storage.readFooter(disk.blob, length), length);
  if (problem !== undefined) {
    const blobUrl = `${ctx.storage.blobEndpoint}/${disk.blob.container}/${disk.blob.name}`;
    const message =
      problem === "cookie"
        ? `The specified cookie value in VHD footer indicates that disk '${disk.name}' with blob ${blobUrl} is not a supported VHD. Disk is expected to have cookie value 'conectix'.`
        : `The VHD footer of disk '${disk.name}' with blob ${blobUrl} is not valid for a fixed VHD of ${length - FOOTER_SIZE} bytes (${problem}).`;
    throw new ArmError(400, "InvalidVhd", message);
  }
  delete disk.uploadState;
  disk.diskSizeBytes = length - FOOTER_SIZE;
}

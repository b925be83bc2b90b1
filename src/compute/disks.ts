// Managed disks through Resource Manager: read one or list a group's (discovery, backup), and the
// upload route of a restore (create for upload, grant write, revoke, delete what a failed restore made).
import type { Disk, OperatingSystemTypes } from "@azure/arm-compute";
import type { ComputeAccess } from "./access";
import { isArmNotFound } from "./errors";
import type { ComputeRef, ResourceGroupRef } from "./resourceIds";

export async function findDisk(compute: ComputeAccess, ref: ComputeRef): Promise<Disk | undefined> {
  try {
    return await compute.call(`get disk ${ref.name}`, ref.subscriptionId, (c) =>
      c.disks.get(ref.resourceGroup, ref.name),
    );
  } catch (error) {
    if (isArmNotFound(error)) return undefined;
    throw error;
  }
}

/** Every managed disk of a resource group. */
export async function listDisks(compute: ComputeAccess, group: ResourceGroupRef): Promise<Disk[]> {
  return compute.call(`list disks of ${group.resourceGroup}`, group.subscriptionId, async (c) => {
    const found: Disk[] = [];
    for await (const d of c.disks.listByResourceGroup(group.resourceGroup)) found.push(d);
    return found;
  });
}

/** States in which a disk's data is being uploaded: nothing to back up, nothing to snapshot. */
export const UPLOAD_STATES: readonly string[] = ["ReadyToUpload", "ActiveUpload"];

export interface UploadDiskSpec {
  location: string;
  sku: string;
  /** The disk's size plus the 512-byte VHD footer. */
  uploadSizeBytes: number;
  osType?: string | undefined;
  hyperVGeneration?: string | undefined;
  tags: Record<string, string>;
}

/** The body of a disk created (or re-put, to change its tags) for an upload. */
function uploadBody(spec: UploadDiskSpec): Disk {
  return {
    location: spec.location,
    sku: { name: spec.sku },
    tags: spec.tags,
    creationData: { createOption: "Upload", uploadSizeBytes: spec.uploadSizeBytes },
    ...(spec.osType ? { osType: spec.osType as OperatingSystemTypes } : {}),
    ...(spec.hyperVGeneration ? { hyperVGeneration: spec.hyperVGeneration } : {}),
  };
}

/** Creates an empty disk in state ReadyToUpload. */
export async function createUploadDisk(
  compute: ComputeAccess,
  ref: ComputeRef,
  spec: UploadDiskSpec,
): Promise<Disk> {
  return compute.call(`create disk ${ref.name}`, ref.subscriptionId, (c) =>
    c.disks.beginCreateOrUpdateAndWait(ref.resourceGroup, ref.name, uploadBody(spec), compute.poll),
  );
}

/**
 * Replaces a disk's tags with a PUT of the disk as it is (PATCH is what Azure's docs show; a PUT with
 * unchanged creation data changes only what differs, and is what the local stand-in serves).
 */
export async function setDiskTags(
  compute: ComputeAccess,
  ref: ComputeRef,
  disk: Disk,
  tags: Record<string, string>,
): Promise<Disk> {
  const body: Disk = {
    location: disk.location ?? "",
    tags,
    ...(disk.sku ? { sku: disk.sku } : {}),
    creationData: disk.creationData ?? { createOption: "Empty" },
    ...(disk.osType ? { osType: disk.osType } : {}),
    ...(disk.hyperVGeneration ? { hyperVGeneration: disk.hyperVGeneration } : {}),
  };
  return compute.call(`tag disk ${ref.name}`, ref.subscriptionId, (c) =>
    c.disks.beginCreateOrUpdateAndWait(ref.resourceGroup, ref.name, body, compute.poll),
  );
}

/** A write SAS on a disk created for upload (its state becomes ActiveUpload). */
export async function grantWrite(compute: ComputeAccess, ref: ComputeRef, seconds: number): Promise<string> {
  const granted = await compute.call(`grant write access to ${ref.name}`, ref.subscriptionId, (c) =>
    c.disks.beginGrantAccessAndWait(
      ref.resourceGroup,
      ref.name,
      { access: "Write", durationInSeconds: Math.round(seconds) },
      compute.poll,
    ),
  );
  if (!granted.accessSAS) throw new Error(`grant write access to ${ref.id} returned no SAS`);
  return granted.accessSAS;
}

/** Ends the disk's SAS; after an upload the service checks the footer, and the disk becomes attachable. */
export async function revokeDiskAccess(compute: ComputeAccess, ref: ComputeRef): Promise<void> {
  await compute.call(`revoke access to ${ref.name}`, ref.subscriptionId, (c) =>
    c.disks.beginRevokeAccessAndWait(ref.resourceGroup, ref.name, compute.poll),
  );
}

export async function deleteDisk(compute: ComputeAccess, ref: ComputeRef): Promise<void> {
  await compute.call(`delete disk ${ref.name}`, ref.subscriptionId, (c) =>
    c.disks.beginDeleteAndWait(ref.resourceGroup, ref.name, compute.poll),
  );
}

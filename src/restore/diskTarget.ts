// A managed disk as a restore target (`targetDisk`): where it may be created (only the resource groups the
// app is configured for, decided before any request: no token goes anywhere else), its default name next
// to the source, what it is made like (location, sku, OS facts), and what the target is now (absent,
// existing, attached). A restore creates a new disk by upload; it never overwrites a managed disk.
import type { Disk } from "@azure/arm-compute";
import type { AppContext } from "../app/context";
import { findDisk } from "../compute/disks";
import { type ComputeRef, diskRef, parseComputeId, type ResourceGroupRef } from "../compute/resourceIds";
import { type Settings, sourceGroupsOf } from "../config/settings";
import { type RestorePoint, sourceDiskOf } from "../lineage/restorePoint";
import type { TargetDiskRequest } from "./request";
import type { TargetDiskSpec } from "./types";

/** A refusal of a managed disk target (the API's status and code). */
export interface DiskTargetRefusal {
  status: 400 | 404 | 409;
  code: string;
  message: string;
}

type Decided<T> = { ok: true; value: T } | { ok: false; error: DiskTargetRefusal };
const refuse = (status: DiskTargetRefusal["status"], code: string, message: string) =>
  ({ ok: false, error: { status, code, message } }) as const;

/** The resource groups restores may create disks in: those of managed BACKUP_SOURCES and of RESTORE_TARGETS. */
export function restoreGroupsOf(settings: Settings): ResourceGroupRef[] {
  return [...sourceGroupsOf(settings), ...settings.restoreTargetGroups];
}

/**
 * The configured resource group a request names (by name; resource group names are case-insensitive).
 * Pure: decided before any request leaves the app.
 */
export function targetGroupOf(settings: Settings, resourceGroup: string): Decided<ResourceGroupRef> {
  const matches = restoreGroupsOf(settings).filter(
    (g) => g.resourceGroup.toLowerCase() === resourceGroup.toLowerCase(),
  );
  const subscriptions = [...new Set(matches.map((g) => g.subscriptionId))];
  if (subscriptions.length === 0) {
    return refuse(
      400,
      "TargetNotAllowed",
      `resource group ${resourceGroup} is not one this app is configured for: restores create managed disks only in the resource groups of BACKUP_SOURCES and RESTORE_TARGETS`,
    );
  }
  if (subscriptions.length > 1) {
    return refuse(
      400,
      "InvalidRequest",
      `resource group ${resourceGroup} is configured in several subscriptions (${subscriptions.join(", ")}): restore there through RESTORE_TARGETS with one of them only`,
    );
  }
  return { ok: true, value: matches[0] as ResourceGroupRef };
}

/** `<source disk name>-restore-<restore point id>`, shortened to the service's 80 characters. */
export function defaultDiskNameOf(sourceName: string, restorePointId: string): string {
  const tail = `-restore-${restorePointId}`;
  return `${sourceName.slice(0, 80 - tail.length).replace(/[.-]+$/, "")}${tail}`;
}

/** The smallest disk an upload may create (20 MiB), and uploads are whole MiB plus the 512-byte footer. */
const MIN_DISK_BYTES = 20 * 1024 * 1024;
export const FOOTER_BYTES = 512;

/**
 * The disk a restore of `point` (its backup snapshot `sizeBytes` long) creates: the request's, or by
 * default a new disk next to a managed source. Everything decided here is checked before any request.
 */
export function targetDiskOf(
  settings: Settings,
  point: RestorePoint,
  sizeBytes: number,
  request: TargetDiskRequest | undefined,
): Decided<TargetDiskSpec> {
  const source =
    point.sourceKind === "managedDisk"
      ? parseComputeId(point.sourceResourceId ?? point.sourceUrl)
      : undefined;
  let ref: ComputeRef;
  if (request) {
    const group = targetGroupOf(settings, request.resourceGroup);
    if (!group.ok) return group;
    ref = diskRef(group.value, request.name);
  } else if (source?.ok) {
    const group = targetGroupOf(settings, source.value.resourceGroup);
    if (!group.ok) return group;
    ref = diskRef(group.value, defaultDiskNameOf(source.value.name, point.restorePointId));
  } else {
    return refuse(
      400,
      "InvalidRequest",
      "give targetDisk (or targetUrl): the restore point is not of a managed disk",
    );
  }
  const diskBytes = sizeBytes - FOOTER_BYTES;
  if (diskBytes < MIN_DISK_BYTES || diskBytes % (1024 * 1024) !== 0) {
    return refuse(
      400,
      "InvalidRequest",
      `restore point ${point.restorePointId} holds ${sizeBytes} bytes: a managed disk is made of whole MiB (at least 20) plus a 512-byte VHD footer; restore it to a page blob (targetUrl)`,
    );
  }
  const facts = sourceDiskOf(point);
  const location = request?.location ?? facts?.location;
  if (!location) {
    return refuse(
      400,
      "InvalidRequest",
      "targetDisk.location is required: the restore point does not say where its disk was",
    );
  }
  return {
    ok: true,
    value: {
      id: ref.id,
      location,
      sku: request?.sku ?? facts?.sku ?? "Standard_LRS",
      ...(facts?.osType ? { osType: facts.osType } : {}),
      ...(facts?.hyperVGeneration ? { hyperVGeneration: facts.hyperVGeneration } : {}),
    },
  };
}

/** The request form of a resolved target (the resolve step admits the request again). */
export function requestOf(spec: TargetDiskSpec): TargetDiskRequest {
  const ref = parseComputeId(spec.id);
  if (!ref.ok) throw new Error(`${spec.id}: ${ref.error}`);
  return {
    resourceGroup: ref.value.resourceGroup,
    name: ref.value.name,
    location: spec.location,
    sku: spec.sku as TargetDiskRequest["sku"],
  };
}

/** A target disk that exists refuses the restore: attached (409 TargetAttached) or not (409 TargetExists). */
export function existingDiskRefusal(disk: Disk, overwrite: boolean): DiskTargetRefusal {
  if (disk.managedBy || disk.diskState === "Attached") {
    return {
      status: 409,
      code: "TargetAttached",
      message: `managed disk ${disk.id} exists and is attached to ${disk.managedBy ?? "a VM"}: a restore never writes an attached disk; choose another name`,
    };
  }
  return {
    status: 409,
    code: "TargetExists",
    message: overwrite
      ? `managed disk ${disk.id} exists: a restore creates a new managed disk and never overwrites one (overwrite applies to page blobs); choose another name, then swap the new disk into the VM`
      : `managed disk ${disk.id} already exists: choose another targetDisk.name`,
  };
}

/** The target disk as it is now, or undefined when it does not exist. */
export async function inspectDisk(ctx: AppContext, spec: TargetDiskSpec): Promise<Disk | undefined> {
  const ref = parseComputeId(spec.id);
  if (!ref.ok) throw new Error(`${spec.id}: ${ref.error}`);
  return findDisk(ctx.compute, ref.value);
}

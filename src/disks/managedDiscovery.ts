// Discovery of the managed disks of BACKUP_SOURCES through Resource Manager: a disk's resource ID is one
// disk, a resource group ID every managed disk in it. A disk that cannot be backed up as it is (being
// uploaded, a half-written restore target, 4096-byte sectors, Entra-only data access) is skipped with
// its reason; one group that cannot be listed never stops the others.
import type { Disk as ArmDisk } from "@azure/arm-compute";
import type { ComputeAccess } from "../compute/access";
import { findDisk, listDisks, UPLOAD_STATES } from "../compute/disks";
import { type ComputeRef, parseComputeId } from "../compute/resourceIds";
import type { Settings } from "../config/settings";
import { messageOf } from "../storage/errors";
import { TAG_RESTORE_RUN } from "../storage/tags";
import { type ManagedDisk, managedDiskIdOf, managedDiskOf } from "./identity";

export interface ManagedDiscovery {
  disks: ManagedDisk[];
  skipped: Array<{ diskId: string; sourceUrl: string; reason: string }>;
}

/** Why a managed disk is not backed up (as it is), or undefined when it is a disk to back up. */
export function managedSkipReasonOf(disk: ArmDisk): string | undefined {
  const restore = disk.tags?.[TAG_RESTORE_RUN];
  if (restore !== undefined) {
    return `a restore to it (restore point ${restore}) has not completed: a half-written disk is never backed up (see that restore point's reason)`;
  }
  if (disk.diskState !== undefined && UPLOAD_STATES.includes(disk.diskState)) {
    return `it is being uploaded (diskState ${disk.diskState}): there is nothing to back up yet`;
  }
  return unsupportedReasonOf(disk);
}

/** Disks whose snapshots this app cannot read: refused with a reason, never half backed up. */
export function unsupportedReasonOf(disk: ArmDisk): string | undefined {
  if (disk.creationData?.logicalSectorSize === 4096) {
    return "it has 4096-byte logical sectors: its snapshots export only as VHDX, which this app does not read";
  }
  if (disk.dataAccessAuthMode === "AzureActiveDirectory") {
    return "it allows only Entra ID data access (dataAccessAuthMode AzureActiveDirectory): its snapshots' SAS cannot be read with a SAS alone; set dataAccessAuthMode to None to back it up";
  }
  return undefined;
}

function refOf(disk: ArmDisk): ComputeRef | undefined {
  const parsed = parseComputeId(disk.id ?? "");
  return parsed.ok ? parsed.value : undefined;
}

/** Every managed disk the settings name that exists now, and those skipped with their reasons. */
export async function discoverManaged(
  settings: Settings,
  compute: ComputeAccess,
  log: (line: string) => void,
): Promise<ManagedDiscovery> {
  const found: ArmDisk[] = [];
  for (const source of settings.managedSources) {
    try {
      if (source.kind === "disk") {
        const disk = await findDisk(compute, source.disk);
        if (disk) found.push(disk);
        else log(`skipping ${source.disk.id}: not found`);
      } else {
        found.push(...(await listDisks(compute, source.group)));
      }
    } catch (error) {
      const what = source.kind === "disk" ? source.disk.id : source.group.id;
      log(`cannot read ${what}, its disks are skipped in this run: ${messageOf(error)}`);
    }
  }
  const result: ManagedDiscovery = { disks: [], skipped: [] };
  const seen = new Set<string>();
  for (const disk of found) {
    const ref = refOf(disk);
    if (!ref || seen.has(ref.id.toLowerCase())) continue;
    seen.add(ref.id.toLowerCase());
    const reason = managedSkipReasonOf(disk);
    if (reason === undefined) result.disks.push(managedDiskOf(ref, settings.target));
    else {
      log(`skipping ${ref.id}: ${reason}`);
      result.skipped.push({ diskId: managedDiskIdOf(ref), sourceUrl: ref.id, reason });
    }
  }
  return result;
}

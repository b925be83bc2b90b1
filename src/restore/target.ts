// Where a restore may write, and what the restore target is now: whether its container exists (a restore
// never creates containers in source accounts: the least-privilege role cannot), whether the blob exists,
// its type and lease.
import type { Settings } from "../config/settings";
import type { StorageAccess } from "../storage/clients";
import { errorCode, isNotFound } from "../storage/errors";
import type { BlobLocation } from "../storage/urls";

/** Why a target is not a place this app may write a restore to (pure: decided before any request). */
export interface TargetPlaceRefusal {
  code: "TargetInBackupAccount" | "TargetNotAllowed";
  message: string;
}

/**
 * A restore writes only into the accounts and containers the app is configured for: the containers of
 * BACKUP_SOURCES and the accounts or containers of RESTORE_TARGETS, and never into the backup account.
 */
export function targetPlaceRefusal(settings: Settings, target: BlobLocation): TargetPlaceRefusal | undefined {
  if (target.accountName === settings.target.accountName) {
    return {
      code: "TargetInBackupAccount",
      message: `${target.url} is in the backup account (${settings.target.accountName}); restore to a source account`,
    };
  }
  const allowed = [
    ...settings.sources.map((s) => ({ serviceUrl: s.serviceUrl, containerName: s.containerName })),
    ...settings.restoreTargets,
  ];
  const inside = allowed.some(
    (a) =>
      a.serviceUrl === target.serviceUrl &&
      (a.containerName === undefined || a.containerName === target.containerName),
  );
  if (inside) return undefined;
  return {
    code: "TargetNotAllowed",
    message: `${target.url} is not in a container this app is configured for: restores write only into the containers of BACKUP_SOURCES and the accounts or containers of RESTORE_TARGETS`,
  };
}

export type TargetState =
  | { kind: "noContainer" }
  | { kind: "absent" }
  | {
      kind: "exists";
      pageBlob: boolean;
      leased: boolean;
      sizeBytes: number;
      metadata: Record<string, string>;
    };

export async function inspectTarget(storage: StorageAccess, target: BlobLocation): Promise<TargetState> {
  try {
    const props = await storage.pageBlob(target).getProperties();
    return {
      kind: "exists",
      pageBlob: props.blobType === "PageBlob",
      leased: props.leaseState === "leased" || props.leaseState === "breaking",
      sizeBytes: props.contentLength ?? 0,
      metadata: props.metadata ?? {},
    };
  } catch (error) {
    if (!isNotFound(error)) throw error;
    // The service names what is missing even on a HEAD (x-ms-error-code): no second round trip then.
    if (errorCode(error) === "BlobNotFound") return { kind: "absent" };
    if (errorCode(error) === "ContainerNotFound") return { kind: "noContainer" };
  }
  return (await storage.container(target).exists()) ? { kind: "absent" } : { kind: "noContainer" };
}

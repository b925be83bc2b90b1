// Parsing of a POST /api/restores body (README "Restore"): shape and formats only, no I/O. Anything
// malformed is a 400 with a message that says which field is wrong.
import { z } from "zod";
import { fail, ok } from "../app/result";
import { isComputeName, isResourceGroupName } from "../compute/resourceIds";
import { isDiskId } from "../disks/identity";
import { type Parsed, parseBlobUrl } from "../storage/urls";

export interface RestoreRequest {
  diskId: string;
  restorePointId?: string;
  /** Epoch milliseconds of `pointInTime`. */
  pointInTime?: number;
  targetUrl?: string;
  /** A new managed disk instead of a page blob (`targetUrl`). */
  targetDisk?: TargetDiskRequest;
  overwrite: boolean;
}

/** `targetDisk` of a restore request: a managed disk in a resource group the app is configured for. */
export interface TargetDiskRequest {
  resourceGroup: string;
  name: string;
  location?: string;
  sku?: DiskSku;
}

/** Disk types a disk can be created with for an upload. */
export const DISK_SKUS = [
  "Standard_LRS",
  "StandardSSD_LRS",
  "StandardSSD_ZRS",
  "Premium_LRS",
  "Premium_ZRS",
  "PremiumV2_LRS",
  "UltraSSD_LRS",
] as const;
export type DiskSku = (typeof DISK_SKUS)[number];

const targetDisk = z
  .object({
    resourceGroup: z
      .string()
      .refine(isResourceGroupName, "is not a resource group name (letters, digits, _ - . ( ), at most 90)"),
    name: z
      .string()
      .refine(
        isComputeName,
        "is not a disk name (1-80 letters, digits, _ - ., starting with a letter or digit)",
      ),
    location: z
      .string()
      .regex(/^[a-z0-9]{1,40}$/, "is not an Azure location name (e.g. westeurope)")
      .optional(),
    sku: z.enum(DISK_SKUS).optional(),
  })
  .strict();

/** An ISO 8601 instant with a date, a time and an offset, e.g. 2025-01-01T12:00:00Z or ...T12:00+01:00. */
const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|([+-])(\d{2}):(\d{2}))$/;
/** Instants outside these years are refused: no restore point can be older, and later ones are typos. */
const FIRST_YEAR = 1970;
const LAST_YEAR = 9999;

/**
 * Epoch milliseconds of an ISO 8601 instant, or undefined. Strict: every field in range (no February 30,
 * no hour 24, no year 275760), where Date.parse would roll over or accept extended years.
 */
export function parseInstant(text: string): number | undefined {
  const m = INSTANT.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? "0"].map(Number);
  if (year === undefined || month === undefined || day === undefined) return undefined;
  if (hour === undefined || minute === undefined || second === undefined) return undefined;
  if (year < FIRST_YEAR || year > LAST_YEAR) return undefined;
  const ms = Number((m[7] ?? "0").padEnd(3, "0").slice(0, 3));
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const back = new Date(utc);
  const fieldsHold =
    back.getUTCFullYear() === year &&
    back.getUTCMonth() === month - 1 &&
    back.getUTCDate() === day &&
    back.getUTCHours() === hour &&
    back.getUTCMinutes() === minute &&
    back.getUTCSeconds() === second;
  if (!fieldsHold) return undefined;
  if (m[8] === "Z") return utc;
  const offsetHours = Number(m[10]);
  const offsetMinutes = Number(m[11]);
  if (offsetHours > 23 || offsetMinutes > 59) return undefined;
  const sign = m[9] === "-" ? -1 : 1;
  return utc - sign * (offsetHours * 60 + offsetMinutes) * 60_000;
}

const body = z
  .object({
    diskId: z.string().refine(isDiskId, "is not a disk id (lowercase letters, digits and dashes)"),
    restorePointId: z
      .string()
      .regex(/^[A-Za-z0-9-]{1,100}$/, "is not a restore point id")
      .optional(),
    pointInTime: z
      .string()
      .refine(
        (s) => parseInstant(s) !== undefined,
        `is not an ISO 8601 instant between ${FIRST_YEAR} and ${LAST_YEAR} (e.g. 2025-01-01T12:00:00Z)`,
      )
      .optional(),
    targetUrl: z.string().optional(),
    targetDisk: targetDisk.optional(),
    overwrite: z.boolean().optional(),
  })
  .strict();

function describe(error: z.ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join(".")}: ${issue.message}` : issue.message))
    .join("; ");
}

export function parseRestoreRequest(raw: unknown): Parsed<RestoreRequest> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return fail("the body must be a JSON object");
  }
  const parsed = body.safeParse(raw);
  if (!parsed.success) return fail(describe(parsed.error));
  const { diskId, restorePointId, pointInTime, targetUrl, overwrite } = parsed.data;
  if ((restorePointId === undefined) === (pointInTime === undefined)) {
    return fail("give exactly one of restorePointId and pointInTime");
  }
  if (targetUrl !== undefined && parsed.data.targetDisk !== undefined) {
    return fail("give at most one of targetUrl (a page blob) and targetDisk (a managed disk)");
  }
  if (targetUrl !== undefined) {
    const target = parseBlobUrl(targetUrl);
    if (!target.ok) return fail(`targetUrl ${target.error}`);
    if (target.value.blobName === undefined) return fail("targetUrl must name a blob, not a container");
  }
  return ok({
    diskId,
    restorePointId,
    pointInTime: pointInTime === undefined ? undefined : parseInstant(pointInTime),
    targetUrl,
    ...(parsed.data.targetDisk ? { targetDisk: parsed.data.targetDisk } : {}),
    overwrite: overwrite ?? false,
  });
}

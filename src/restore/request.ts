// Parsing of a POST /api/restores body (README "Restore"): shape and formats only, no I/O. Anything
// malformed is a 400 with a message that says which field is wrong.
import { z } from "zod";
import { fail, ok } from "../app/result";
import { isDiskId } from "../disks/identity";
import { type Parsed, parseBlobUrl } from "../storage/urls";

export interface RestoreRequest {
  diskId: string;
  restorePointId?: string;
  /** Epoch milliseconds of `pointInTime`. */
  pointInTime?: number;
  targetUrl?: string;
  overwrite: boolean;
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
      .refine((s) => Number.isFinite(Date.parse(s)), "is not an ISO 8601 instant")
      .optional(),
    targetUrl: z.string().optional(),
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
  if (targetUrl !== undefined) {
    const target = parseBlobUrl(targetUrl);
    if (!target.ok) return fail(`targetUrl ${target.error}`);
    if (target.value.blobName === undefined) return fail("targetUrl must name a blob, not a container");
  }
  return ok({
    diskId,
    restorePointId,
    pointInTime: pointInTime === undefined ? undefined : Date.parse(pointInTime),
    targetUrl,
    overwrite: overwrite ?? false,
  });
}

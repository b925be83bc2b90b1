// The lifecycle side of the HTTP API (README "Retention, holds and verification"), independent of the
// Functions SDK: the retention dry run, POST /api/retention and POST /api/verifications bodies, holds.
import type { AppContext } from "../app/context";
import type { RestoreReaders } from "../app/instances";
import { fail, ok, type Result } from "../app/result";
import { selectDisks } from "../backup/resolve";
import { isDiskId } from "../disks/identity";
import type { RestorePoint } from "../lineage/restorePoint";
import { setHold } from "../retention/holds";
import { decideDisk } from "../retention/plan";
import { describePolicy } from "../retention/policy";
import type { VerifyInput } from "../verification/types";
import { type JsonResponse, json, jsonError, parseJsonObject } from "./responses";

const RESTORE_POINT_ID = /^[A-Za-z0-9-]{1,100}$/;

/** 404 unless the disk is known: it has restore points, or BACKUP_SOURCES has it. */
async function unknownDisk(
  ctx: AppContext,
  diskId: string,
  points: number,
): Promise<JsonResponse | undefined> {
  const notFound = jsonError(404, "DiskNotFound", `unknown disk: ${diskId}`);
  if (!isDiskId(diskId)) return notFound;
  if (points > 0) return undefined;
  const { unknown } = await selectDisks(ctx, [diskId]);
  return unknown.length > 0 ? notFound : undefined;
}

/** GET /api/disks/{diskId}/retention: every restore point with keep, the rules that keep it, the action. */
export async function retentionView(
  ctx: AppContext,
  readers: RestoreReaders,
  diskId: string,
): Promise<JsonResponse> {
  if (!isDiskId(diskId)) return jsonError(404, "DiskNotFound", `unknown disk: ${diskId}`);
  const running = await readers();
  const reading = new Set((running ?? []).filter((r) => r.diskId === diskId).map((r) => r.restorePointId));
  const { rows, verdicts } = await decideDisk(ctx, diskId, reading);
  const refused = await unknownDisk(ctx, diskId, rows.length);
  if (refused) return refused;
  const pointOf = new Map(rows.map((r) => [r.point.restorePointId, r.point]));
  const count = (action: string) => verdicts.filter((v) => v.action === action).length;
  return json(200, {
    diskId,
    dryRun: true,
    policy: describePolicy(ctx.settings.retention),
    // false: the running restores could not be listed; a real pass would then delete nothing.
    restoresKnown: running !== undefined,
    summary: {
      restorePoints: verdicts.length,
      keep: verdicts.filter((v) => v.keep).length,
      delete: count("delete"),
      remove: count("remove"),
      unmark: count("unmark"),
    },
    restorePoints: verdicts.map((v) => {
      const point = pointOf.get(v.restorePointId) as RestorePoint;
      return {
        restorePointId: v.restorePointId,
        status: v.status,
        kind: point.kind,
        startedAt: v.startedAt,
        changedBytes: point.changedBytes,
        hold: point.hold === true,
        keep: v.keep,
        rules: v.rules,
        action: v.action,
      };
    }),
  });
}

/** Validates `{}` or `{ "disks"?: [...], "dryRun"?: bool }` of POST /api/retention (404 on unknown disks). */
export async function parseRetentionRequest(
  ctx: AppContext,
  text: string,
): Promise<Result<{ disks?: string[]; dryRun: boolean }, JsonResponse>> {
  const parsed = parseJsonObject(text);
  if (!parsed.ok) return parsed;
  const extra = Object.keys(parsed.value).filter((k) => k !== "disks" && k !== "dryRun");
  if (extra.length > 0) return fail(jsonError(400, "InvalidBody", `unknown field(s): ${extra.join(", ")}`));
  const { disks, dryRun } = parsed.value;
  if (dryRun !== undefined && typeof dryRun !== "boolean") {
    return fail(jsonError(400, "InvalidBody", '"dryRun" must be true or false'));
  }
  if (disks === undefined) return ok({ dryRun: dryRun === true });
  if (
    !Array.isArray(disks) ||
    disks.length === 0 ||
    !disks.every((d) => typeof d === "string" && isDiskId(d))
  ) {
    return fail(
      jsonError(400, "InvalidBody", '"disks" must be a non-empty array of disk ids (see GET /api/disks)'),
    );
  }
  const { unknown } = await selectDisks(ctx, disks as string[]);
  if (unknown.length > 0)
    return fail(jsonError(404, "DiskNotFound", `unknown disk(s): ${unknown.join(", ")}`));
  return ok({ disks: disks as string[], dryRun: dryRun === true });
}

/** PUT (hold) or DELETE (release) /api/disks/{diskId}/restore-points/{restorePointId}/hold. */
export async function holdView(
  ctx: AppContext,
  diskId: string,
  restorePointId: string,
  hold: boolean,
): Promise<JsonResponse> {
  if (!isDiskId(diskId)) return jsonError(404, "DiskNotFound", `unknown disk: ${diskId}`);
  if (!RESTORE_POINT_ID.test(restorePointId)) {
    return jsonError(400, "InvalidRequest", `restorePointId "${restorePointId}" is not a restore point id`);
  }
  const result = await setHold(ctx, diskId, restorePointId, hold);
  if (!result.ok) {
    if (result.error.code === "RestorePointNotFound") {
      const refused = await unknownDisk(ctx, diskId, (await ctx.lineage.list(diskId)).length);
      if (refused) return refused;
    }
    return jsonError(result.error.status, result.error.code, result.error.message);
  }
  return json(200, { restorePoint: result.value });
}

/** Validates `{ "diskId" }` of POST /api/verifications: the newest completed point of a known disk. */
export async function parseVerificationRequest(
  ctx: AppContext,
  text: string,
): Promise<Result<VerifyInput, JsonResponse>> {
  const parsed = parseJsonObject(text);
  if (!parsed.ok) return parsed;
  const extra = Object.keys(parsed.value).filter((k) => k !== "diskId");
  if (extra.length > 0) return fail(jsonError(400, "InvalidBody", `unknown field(s): ${extra.join(", ")}`));
  const { diskId } = parsed.value;
  if (typeof diskId !== "string" || !isDiskId(diskId)) {
    return fail(jsonError(400, "InvalidBody", '"diskId" must be a disk id (see GET /api/disks)'));
  }
  const latest = await ctx.lineage.latestCompleted(diskId);
  if (!latest) {
    const refused = await unknownDisk(ctx, diskId, 0);
    if (refused) return fail(refused);
    return fail(jsonError(404, "RestorePointNotFound", `disk ${diskId} has no completed restore point yet`));
  }
  return ok({ diskId, restorePointId: latest.restorePointId, mode: "full" });
}

// The backup side of the HTTP API (README "HTTP API"), independent of the Functions SDK: validation of
// POST /api/backups and the views of GET /api/disks and GET /api/disks/{diskId}/restore-points.

import type { AppContext } from "../app/context";
import { fail, ok, type Result } from "../app/result";
import { selectDisks } from "../backup/resolve";
import { discoverDisks } from "../disks/discovery";
import { isDiskId } from "../disks/identity";
import type { RestorePoint } from "../lineage/restorePoint";
import { type JsonResponse, json, jsonError, parseJsonObject } from "./responses";
import { diskSizesOf } from "./sizes";

/** The disks to back up (`undefined`: all of them), or the response that refuses the request. */
export type BackupRequest = Result<string[] | undefined, JsonResponse>;

/** Validates `{}` or `{ "disks": ["<id>", ...] }`; unknown disks give 404 (nothing is started). */
export async function parseBackupRequest(ctx: AppContext, text: string): Promise<BackupRequest> {
  const parsed = parseJsonObject(text);
  if (!parsed.ok) return parsed;
  const extra = Object.keys(parsed.value).filter((k) => k !== "disks");
  if (extra.length > 0) {
    return fail(jsonError(400, "InvalidBody", `unknown field(s): ${extra.join(", ")}`));
  }
  const disks = parsed.value.disks;
  if (disks === undefined) return ok(undefined);
  if (
    !Array.isArray(disks) ||
    disks.length === 0 ||
    !disks.every((d) => typeof d === "string" && d.length > 0)
  ) {
    return fail(
      jsonError(400, "InvalidBody", '"disks" must be a non-empty array of disk ids (see GET /api/disks)'),
    );
  }
  const ids = disks as string[];
  const { unknown } = await selectDisks(ctx, ids);
  if (unknown.length > 0) {
    return fail(jsonError(404, "DiskNotFound", `unknown disk(s): ${unknown.join(", ")}`));
  }
  return ok(ids);
}

export async function disksView(ctx: AppContext): Promise<JsonResponse> {
  const disks = await discoverDisks(ctx.settings, ctx.storage, ctx.log, ctx.compute);
  const rows = await Promise.all(
    disks.map(async (disk) => {
      const latest = await ctx.lineage.latestCompleted(disk.id);
      // The chain's own backup blob (a restore may have moved it), else the one the disk would get.
      const backupUrl = latest?.backupUrl || disk.backup.url;
      return {
        id: disk.id,
        kind: disk.kind,
        sourceUrl: disk.sourceUrl,
        ...(disk.kind === "managedDisk" ? { resourceId: disk.ref.id } : {}),
        backupUrl,
        lastRestorePoint: latest ?? null,
        ...(await diskSizesOf(ctx, disk.id, backupUrl)),
      };
    }),
  );
  return json(200, { disks: rows });
}

export async function restorePointsView(ctx: AppContext, diskId: string): Promise<JsonResponse> {
  const notFound = jsonError(404, "DiskNotFound", `unknown disk: ${diskId}`);
  if (!isDiskId(diskId)) return notFound;
  const points: RestorePoint[] = await ctx.lineage.list(diskId);
  if (points.length === 0) {
    const { unknown } = await selectDisks(ctx, [diskId]);
    if (unknown.length > 0) return notFound;
  }
  return json(200, { restorePoints: points });
}

// The backup side of the HTTP API (DESIGN §7), independent of the Functions SDK: request validation for
// POST /api/backups and the views of GET /api/disks and GET /api/disks/{diskId}/restore-points.
import { backupLocationOf } from "../backup/begin";
import type { BackupContext } from "../backup/context";
import { selectDisks } from "../backup/resolve";
import { discoverDisks } from "../disks/discovery";
import { isDiskId } from "../disks/identity";
import type { RestorePoint } from "../lineage/restorePoint";
import { type JsonResponse, json, jsonError, parseJsonObject } from "./responses";

export type BackupRequest = { ok: true; disks: string[] | undefined } | { ok: false; response: JsonResponse };

/** Validates `{}` or `{ "disks": ["<id>", ...] }`; unknown disks give 404 (nothing is started). */
export async function parseBackupRequest(ctx: BackupContext, text: string): Promise<BackupRequest> {
  const parsed = parseJsonObject(text);
  if (!parsed.ok) return parsed;
  const extra = Object.keys(parsed.body).filter((k) => k !== "disks");
  if (extra.length > 0) {
    return { ok: false, response: jsonError(400, "InvalidBody", `unknown field(s): ${extra.join(", ")}`) };
  }
  const disks = parsed.body.disks;
  if (disks === undefined) return { ok: true, disks: undefined };
  if (
    !Array.isArray(disks) ||
    disks.length === 0 ||
    !disks.every((d) => typeof d === "string" && d.length > 0)
  ) {
    return {
      ok: false,
      response: jsonError(
        400,
        "InvalidBody",
        '"disks" must be a non-empty array of disk ids (see GET /api/disks)',
      ),
    };
  }
  const ids = disks as string[];
  const { unknown } = await selectDisks(ctx, ids);
  if (unknown.length > 0) {
    return { ok: false, response: jsonError(404, "DiskNotFound", `unknown disk(s): ${unknown.join(", ")}`) };
  }
  return { ok: true, disks: ids };
}

export async function disksView(ctx: BackupContext): Promise<JsonResponse> {
  const disks = await discoverDisks(ctx.settings, ctx.storage, ctx.log);
  const rows = await Promise.all(
    disks.map(async (disk) => {
      const latest = await ctx.lineage.latestCompleted(disk.id);
      return {
        id: disk.id,
        sourceUrl: disk.source.url,
        backupUrl: backupLocationOf(ctx, disk.source, latest).url,
        lastRestorePoint: latest ?? null,
      };
    }),
  );
  return json(200, { disks: rows });
}

export async function restorePointsView(ctx: BackupContext, diskId: string): Promise<JsonResponse> {
  const notFound = jsonError(404, "DiskNotFound", `unknown disk: ${diskId}`);
  if (!isDiskId(diskId)) return notFound;
  const points: RestorePoint[] = await ctx.lineage.list(diskId);
  if (points.length === 0) {
    const { unknown } = await selectDisks(ctx, [diskId]);
    if (unknown.length > 0) return notFound;
  }
  return json(200, { restorePoints: points });
}

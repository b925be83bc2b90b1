// Grant and revoke access: each SAS is bound to a stored access policy on its blob's container,
// so removing the policy (revoke) makes the SAS stop working at once, in the storage emulator.
import { randomUUID } from "node:crypto";
import type { StandInContext } from "./context";
import { invalidParameter } from "./errors";
import { type Json, oneOf, optionalInteger, optionalString, required } from "./input";
import { activeGrant } from "./resources";
import type { AccessLevel, DiskRecord, Grant, SnapshotRecord } from "./state";

export interface GrantRequest {
  access: AccessLevel;
  durationInSeconds: number;
  fileFormat?: string;
}

export function parseGrantRequest(ctx: StandInContext, body: Json): GrantRequest {
  const access = required(oneOf(body.access, "access", ["None", "Read", "Write"] as const), "access");
  if (access === "None") throw invalidParameter("access", "Access level 'None' cannot be granted.");
  const durationInSeconds = required(
    optionalInteger(body.durationInSeconds, "durationInSeconds", 1, ctx.limits.maxSasDurationSeconds),
    "durationInSeconds",
  );
  const fileFormat = optionalString(body.fileFormat, "fileFormat");
  return { access, durationInSeconds, ...(fileFormat ? { fileFormat } : {}) };
}

type Holder = DiskRecord | SnapshotRecord;

function holders(ctx: StandInContext): Holder[] {
  const { disks, snapshots } = ctx.store.state;
  return [...Object.values(disks), ...Object.values(snapshots)];
}

/** The policies a container must hold: every active, registered grant on its blobs. */
function policiesFor(ctx: StandInContext, container: string, now: number, extra?: Grant): Grant[] {
  const grants = holders(ctx)
    .map((h) => activeGrant(h.grant, now))
    .filter((g): g is Grant => g !== undefined && g.container === container && !g.unregistered);
  if (extra !== undefined && !extra.unregistered) grants.push(extra);
  return grants;
}

export async function syncPolicies(ctx: StandInContext, container: string): Promise<void> {
  await ctx.storage.setPolicies(container, policiesFor(ctx, container, Date.now()));
}

/** Issues a new SAS for `holder` (replacing its earlier one): policy first, then the record. */
export async function issueGrant(ctx: StandInContext, holder: Holder, request: GrantRequest): Promise<Grant> {
  const now = Date.now();
  const entraOnly = holder.dataAccessAuthMode === "AzureActiveDirectory";
  const id = randomUUID();
  const grant: Grant = {
    id,
    access: request.access,
    container: holder.blob.container,
    expiresOn: new Date(now + request.durationInSeconds * 1000).toISOString(),
    // An Entra-only resource's SAS names no policy: without the (unemulated) bearer token it fails.
    sasUrl: ctx.storage.sasUrl(holder.blob, entraOnly ? `entra-${id}` : id),
    ...(entraOnly ? { unregistered: true } : {}),
  };
  const others = policiesFor(ctx, grant.container, now).filter((g) => g.id !== holder.grant?.id);
  await ctx.storage.setPolicies(grant.container, entraOnly ? others : [...others, grant]);
  holder.grant = grant;
  return grant;
}

/** Ends `holder`'s SAS: the record is saved first, so a crash never resurrects a revoked SAS. */
export async function endGrant(ctx: StandInContext, holder: Holder): Promise<void> {
  const grant = holder.grant;
  if (grant === undefined) return;
  delete holder.grant;
  ctx.store.save();
  await syncPolicies(ctx, grant.container);
}

/** Drops expired grants from the records (their policies expire by themselves). */
export function pruneExpiredGrants(ctx: StandInContext): void {
  const now = Date.now();
  for (const holder of holders(ctx)) {
    if (holder.grant !== undefined && activeGrant(holder.grant, now) === undefined) delete holder.grant;
  }
}

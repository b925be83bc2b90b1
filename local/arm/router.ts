// Maps Resource Manager paths (case-insensitive, as ARM's are) to the stand-in's handlers:
// resource groups, disks, snapshots, access, disk operations.
import type { Reply, StandInContext } from "./context";
import { deleteDisk, getDisk, grantDiskAccess, listDisks, putDisk, revokeDiskAccess } from "./disks";
import { ArmError } from "./errors";
import { API_VERSION } from "./operations";
import { deleteGroup, getGroup, putGroup } from "./resourceGroups";
import {
  deleteSnapshot,
  getSnapshot,
  grantSnapshotAccess,
  listSnapshots,
  putSnapshot,
  revokeSnapshotAccess,
} from "./snapshots";

export interface ArmRequest {
  method: string;
  /** Decoded path segments. */
  segments: string[];
  query: URLSearchParams;
  body: unknown;
}

/** The operation's name for stats (e.g. "snapshots.beginGetAccess"), or undefined if unrouted. */
export type Routed = { name: string; run: () => Reply | Promise<Reply> };

const eq = (a: string | undefined, b: string) => a !== undefined && a.toLowerCase() === b.toLowerCase();

function methodNotAllowed(method: string): ArmError {
  return new ArmError(
    405,
    "MethodNotAllowed",
    `The HTTP method '${method}' is not supported for this resource.`,
  );
}

function checkApiVersion(query: URLSearchParams, compute: boolean): void {
  const version = query.get("api-version");
  if (version === null) {
    throw new ArmError(
      400,
      "MissingApiVersionParameter",
      "The api-version query parameter (?api-version=) is required for all requests.",
    );
  }
  if (compute && version !== API_VERSION) {
    throw new ArmError(
      400,
      "InvalidApiVersionParameter",
      `The api-version '${version}' is invalid. The stand-in serves Microsoft.Compute api-version '${API_VERSION}'.`,
    );
  }
}

export function route(ctx: StandInContext, request: ArmRequest): Routed {
  const { method, segments: s, query, body } = request;
  if (!eq(s[0], "subscriptions") || s[1] === undefined) throw unknownPath(s);
  if (s[1].toLowerCase() !== ctx.scope.subscriptionId.toLowerCase()) {
    throw new ArmError(404, "SubscriptionNotFound", `The subscription '${s[1]}' could not be found.`);
  }
  // /subscriptions/{sub}/resourcegroups/{rg}
  if (eq(s[2], "resourceGroups") && s[3] !== undefined && s.length === 4) {
    checkApiVersion(query, false);
    const rg = s[3];
    if (method === "GET" || method === "HEAD")
      return { name: "resourceGroups.get", run: () => getGroup(ctx, rg) };
    if (method === "PUT")
      return { name: "resourceGroups.createOrUpdate", run: () => putGroup(ctx, rg, body) };
    if (method === "DELETE") return { name: "resourceGroups.delete", run: () => deleteGroup(ctx, rg) };
    throw methodNotAllowed(method);
  }
  // /subscriptions/{sub}/providers/Microsoft.Compute/...
  if (eq(s[2], "providers") && eq(s[3], "Microsoft.Compute")) {
    checkApiVersion(query, true);
    if (eq(s[4], "locations") && eq(s[6], "diskOperations") && s[7] !== undefined && s.length === 8) {
      if (method !== "GET") throw methodNotAllowed(method);
      const id = s[7];
      return query.get("monitor") === "true"
        ? { name: "diskOperations.monitor", run: () => ctx.ops.monitor(id) }
        : { name: "diskOperations.get", run: () => ctx.ops.status(id) };
    }
    if (s.length === 5 && method === "GET") {
      if (eq(s[4], "disks")) return { name: "disks.list", run: () => listDisks(ctx) };
      if (eq(s[4], "snapshots")) return { name: "snapshots.list", run: () => listSnapshots(ctx) };
    }
    throw unknownPath(s);
  }
  // /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/{type}[/{name}[/{action}]]
  if (!eq(s[2], "resourceGroups") || !eq(s[4], "providers") || !eq(s[5], "Microsoft.Compute")) {
    throw unknownPath(s);
  }
  checkApiVersion(query, true);
  const rg = s[3] ?? "";
  const type = eq(s[6], "disks") ? "disks" : eq(s[6], "snapshots") ? "snapshots" : undefined;
  if (type === undefined) throw unknownPath(s);
  const name = s[7];
  const action = s[8];
  if (name === undefined) {
    if (method !== "GET") throw methodNotAllowed(method);
    return type === "disks"
      ? { name: "disks.listByResourceGroup", run: () => listDisks(ctx, rg) }
      : { name: "snapshots.listByResourceGroup", run: () => listSnapshots(ctx, rg) };
  }
  if (action === undefined && s.length === 8) {
    if (method === "GET") {
      return type === "disks"
        ? { name: "disks.get", run: () => getDisk(ctx, rg, name) }
        : { name: "snapshots.get", run: () => getSnapshot(ctx, rg, name) };
    }
    if (method === "PUT") {
      return type === "disks"
        ? { name: "disks.createOrUpdate", run: () => putDisk(ctx, rg, name, body) }
        : { name: "snapshots.createOrUpdate", run: () => putSnapshot(ctx, rg, name, body) };
    }
    if (method === "DELETE") {
      return type === "disks"
        ? { name: "disks.delete", run: () => deleteDisk(ctx, rg, name) }
        : { name: "snapshots.delete", run: () => deleteSnapshot(ctx, rg, name) };
    }
    throw methodNotAllowed(method);
  }
  if (s.length === 9 && method === "POST" && eq(action, "beginGetAccess")) {
    return type === "disks"
      ? { name: "disks.beginGetAccess", run: () => grantDiskAccess(ctx, rg, name, body) }
      : { name: "snapshots.beginGetAccess", run: () => grantSnapshotAccess(ctx, rg, name, body) };
  }
  if (s.length === 9 && method === "POST" && eq(action, "endGetAccess")) {
    return type === "disks"
      ? { name: "disks.endGetAccess", run: () => revokeDiskAccess(ctx, rg, name) }
      : { name: "snapshots.endGetAccess", run: () => revokeSnapshotAccess(ctx, rg, name) };
  }
  throw unknownPath(s);
}

function unknownPath(segments: string[]): ArmError {
  return new ArmError(
    404,
    "InvalidResourceType",
    `The resource path '/${segments.join("/")}' is not served by the Resource Manager stand-in (compute disks and snapshots only).`,
  );
}

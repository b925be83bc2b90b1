// Resource groups: `local-rg` (and any configured) exist from the start; others are created with
// PUT, as with Resource Manager, and deleted only when empty.
import { type Reply, requireGroup, type StandInContext } from "./context";
import { ArmError } from "./errors";
import { location, object, resourceGroupName } from "./input";

function groupJson(ctx: StandInContext, name: string, where: string): Record<string, unknown> {
  return {
    id: `/subscriptions/${ctx.scope.subscriptionId}/resourceGroups/${name}`,
    name,
    type: "Microsoft.Resources/resourceGroups",
    location: where,
    properties: { provisioningState: "Succeeded" },
  };
}

export function getGroup(ctx: StandInContext, name: string): Reply {
  const group = requireGroup(ctx, name);
  return { status: 200, body: groupJson(ctx, group.name, group.location) };
}

export function putGroup(ctx: StandInContext, name: string, raw: unknown): Promise<Reply> {
  resourceGroupName(name);
  const where = location(
    object(raw, "resourceGroup").location,
    ctx.location,
    "Microsoft.Resources/resourceGroups",
  );
  return ctx.store.exclusive(async () => {
    const existing = ctx.store.state.resourceGroups[name.toLowerCase()];
    if (existing !== undefined)
      return { status: 200, body: groupJson(ctx, existing.name, existing.location) };
    ctx.store.state.resourceGroups[name.toLowerCase()] = { name, location: where };
    return { status: 201, body: groupJson(ctx, name, where) };
  });
}

export function deleteGroup(ctx: StandInContext, name: string): Promise<Reply> {
  return ctx.store.exclusive(async () => {
    const group = requireGroup(ctx, name);
    const { disks, snapshots } = ctx.store.state;
    const used = [...Object.values(disks), ...Object.values(snapshots)].some(
      (r) => r.resourceGroup === group.name,
    );
    if (used) {
      throw new ArmError(
        409,
        "ResourceGroupNotEmpty",
        `Resource group '${group.name}' still holds disks or snapshots: the stand-in deletes only empty groups.`,
      );
    }
    delete ctx.store.state.resourceGroups[name.toLowerCase()];
    return { status: 200 };
  });
}

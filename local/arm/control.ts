// The stand-in's control API (no bearer token, loopback only): what Azure does outside the disk
// API (a VM attaching a disk), injected faults for the app's tests, and request counts.
import type { Reply, StandInContext } from "./context";
import { ArmError } from "./errors";
import type { Faults } from "./faults";
import { object, optionalString } from "./input";
import { parseResourceId } from "./resources";
import { resourceKey } from "./state";

export interface Control {
  handle(method: string, path: string, body: unknown): Promise<Reply | undefined>;
  setAttachment(diskId: string, managedBy: string | undefined): Promise<void>;
}

export function createControl(
  ctx: StandInContext,
  stats: () => Record<string, number>,
  resetStats: () => void,
  faults: Faults,
): Control {
  const setAttachment = (diskId: string, managedBy: string | undefined) =>
    ctx.store.exclusive(async () => {
      const parsed = parseResourceId(ctx.scope, diskId);
      const disk =
        parsed?.type === "disks"
          ? ctx.store.state.disks[resourceKey(parsed.resourceGroup, parsed.name)]
          : undefined;
      if (disk === undefined) throw new ArmError(404, "ResourceNotFound", `No disk '${diskId}'.`);
      if (managedBy === undefined) delete disk.managedBy;
      else disk.managedBy = managedBy;
    });
  return {
    setAttachment,
    async handle(method, path, body) {
      if (path === "/__armstandin/attachment" && method === "PUT") {
        const input = object(body, "body");
        const diskId = optionalString(input.diskId, "diskId");
        if (diskId === undefined) throw new ArmError(400, "InvalidParameter", "diskId is required.");
        await setAttachment(diskId, optionalString(input.managedBy, "managedBy"));
        return { status: 200, body: { diskId, managedBy: input.managedBy ?? null } };
      }
      if (path === "/__armstandin/faults" && method === "PUT") {
        faults.set(object(body, "body").rules);
        return { status: 204 };
      }
      if (path === "/__armstandin/stats" && method === "GET")
        return { status: 200, body: { operations: stats() } };
      if (path === "/__armstandin/stats/reset" && method === "POST") {
        resetStats();
        return { status: 204 };
      }
      return undefined;
    },
  };
}

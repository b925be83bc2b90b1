// What the page knows: the API's last answers and the elements it keeps up to date. `refresh` is set by the
// entry module (dashboard.js), so the parts that act can ask for a new reading without importing it.
import { diskName } from "./format.js";

export const state = {
  disks: [],
  health: null,
  runs: [],
  /** diskId → { points, retention } for the disks whose restore points are open. */
  details: new Map(),
  cards: new Map(),
  runItems: new Map(),
  started: new Set(),
  timer: undefined,
  /** Reads the API again and redraws (set by dashboard.js). */
  refresh: async () => {},
};

export const RUNNING = new Set(["Running", "Pending", "ContinuedAsNew", "Suspended"]);

export function nameOfDisk(diskId) {
  const disk = state.disks.find((d) => d.id === diskId);
  return disk ? diskName(disk.sourceUrl, disk.id) : (diskId ?? "a disk");
}

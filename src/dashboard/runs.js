// The "Running and recent" list: each backup or restore of the last day with its live progress bar (from its
// customStatus) and, once it ends, its result.
import { formatBytes, formatTime } from "./format.js";
import { nameOfDisk, RUNNING, state } from "./state.js";
import { $, h } from "./ui.js";

function runTitle(run) {
  if (run.name === "backupRun") {
    const disks = run.input?.disks;
    const scope = Array.isArray(disks)
      ? `${disks.length} disk${disks.length === 1 ? "" : "s"}`
      : "every disk";
    return `Backup run (${scope}, ${run.input?.trigger === "timer" ? "scheduled" : "on request"})`;
  }
  if (run.name === "backupDisk") return `Backup of ${nameOfDisk(run.input?.diskId)}`;
  if (run.name === "restoreDisk") return `Restore of ${nameOfDisk(run.input?.diskId)}`;
  if (run.name === "verifyRestorePoint") return `Verification of ${nameOfDisk(run.input?.diskId)}`;
  if (run.name === "retentionRun") return run.input?.dryRun ? "Retention (dry run)" : "Retention";
  return run.name;
}

function progressOf(run) {
  const s = run.customStatus ?? {};
  const total = Number(s.bytesTotal) || 0;
  const done = Math.min(Number(s.bytesDone) || 0, total);
  return { phase: s.phase ?? "", total, done, s };
}

function runResult(run) {
  const out = run.output;
  if (run.runtimeStatus === "Failed")
    return [
      h("p", { class: "error", text: `Failed: ${typeof out === "string" ? out : JSON.stringify(out)}` }),
    ];
  if (!out || typeof out !== "object") return [];
  if (Array.isArray(out.disks)) {
    return [
      h(
        "ul",
        {},
        out.disks.map((d) =>
          h(
            "li",
            {},
            `${nameOfDisk(d.diskId)}: `,
            h("span", { class: `badge ${d.status}`, text: d.status }),
            d.restorePoint
              ? ` restore point ${d.restorePoint.restorePointId} (${d.restorePoint.kind}, ${formatBytes(d.restorePoint.changedBytes)} added)`
              : "",
            d.reason ? ` — ${d.reason}` : "",
          ),
        ),
      ),
    ];
  }
  if (out.restoredDiskUrl) {
    const v = out.verification;
    return [
      h("p", { text: `Restored to ${out.restoredDiskUrl}` }),
      v
        ? h("p", {
            text: `Verification: ${v.verified ? "passed" : "FAILED"}, ${formatBytes(v.bytesCompared)} compared in ${v.chunks} chunks.`,
          })
        : null,
      out.safetyRestorePointId
        ? h("p", { text: `Safety restore point of the overwritten disk: ${out.safetyRestorePointId}` })
        : null,
    ];
  }
  if (out.status) return [h("p", { text: `${out.status}${out.reason ? `: ${out.reason}` : ""}` })];
  return [];
}

export function renderRuns() {
  const list = $("runs");
  const seen = new Set();
  $("runs-empty").hidden = state.runs.length > 0;
  state.runs.forEach((run, index) => {
    seen.add(run.instanceId);
    const { phase, total, done, s } = progressOf(run);
    const running = RUNNING.has(run.runtimeStatus);
    const label = `${runTitle(run)} progress`;
    const bar = h("progress", {
      max: total > 0 ? total : 1,
      value: total > 0 ? done : running ? 0 : 1,
      "aria-label": label,
    });
    if (running && total === 0) bar.removeAttribute("value");
    const disks = s.disksTotal !== undefined ? `, disks ${s.disksDone ?? 0}/${s.disksTotal}` : "";
    const item = h(
      "li",
      { class: "run", "data-instance": run.instanceId },
      h("h3", {}, runTitle(run), h("span", { class: `badge ${run.runtimeStatus}`, text: run.runtimeStatus })),
      h("p", { class: "muted", text: `Started ${formatTime(run.createdTime)} · ${run.instanceId}` }),
      bar,
      h("p", {
        text: `${phase || "—"}: ${formatBytes(done)} of ${formatBytes(total)}, batches ${s.batchesDone ?? 0}/${s.batchesTotal ?? 0}${disks}`,
      }),
      running ? null : runResult(run),
    );
    const old = state.runItems.get(run.instanceId);
    if (old) old.replaceWith(item);
    state.runItems.set(run.instanceId, item);
    const at = list.children[index];
    if (at !== item) list.insertBefore(item, at ?? null);
  });
  for (const [id, item] of state.runItems) {
    if (!seen.has(id)) {
      item.remove();
      state.runItems.delete(id);
    }
  }
}

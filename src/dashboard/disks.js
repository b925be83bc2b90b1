// The disks: one card each (kind, size, last restore point and its age, fresh / stale / failing with the
// reason), updated in place, with its actions and its restore points on demand.
import { openRestore, startBackup } from "./actions.js";
import { api, refusal } from "./api.js";
import { coverageText, diskName, formatBytes, formatDuration, formatTime } from "./format.js";
import { chart, legend, pointsTable } from "./points.js";
import { state } from "./state.js";
import { $, h } from "./ui.js";

function freshnessOf(diskId) {
  return state.health?.disks?.find((d) => d.diskId === diskId);
}

export function renderDisks() {
  const container = $("disks");
  $("disks-empty").hidden = state.disks.length > 0;
  const seen = new Set();
  state.disks.forEach((disk, index) => {
    seen.add(disk.id);
    let card = state.cards.get(disk.id);
    if (!card) {
      card = diskCard(disk);
      state.cards.set(disk.id, card);
    }
    updateCard(card, disk);
    const at = container.children[index];
    if (at !== card.root) container.insertBefore(card.root, at ?? null);
  });
  for (const [id, card] of state.cards) {
    if (!seen.has(id)) {
      card.root.remove();
      state.cards.delete(id);
      state.details.delete(id);
    }
  }
}

function diskCard(disk) {
  const name = diskName(disk.sourceUrl, disk.id);
  const headingId = `disk-${disk.id}`;
  const facts = h("dl", { class: "facts" });
  const badge = h("span", { class: "badge" });
  const failure = h("p", { class: "failure", hidden: true });
  const backup = h("button", {
    type: "button",
    class: "primary",
    text: "Back up now",
    "aria-label": `Back up ${name} now`,
  });
  const restore = h("button", { type: "button", text: "Restore…", "aria-label": `Restore ${name}…` });
  const points = h("div", { class: "points" }, h("p", { class: "muted", text: "Loading…" }));
  const details = h("details", {}, h("summary", { text: "Restore points" }), points);
  const root = h(
    "article",
    { class: "disk", "aria-labelledby": headingId },
    h("header", {}, h("h3", { id: headingId, text: name }), badge),
    facts,
    failure,
    h("div", { class: "disk-actions" }, backup, restore),
    details,
  );
  backup.addEventListener("click", () => startBackup([disk.id], backup));
  restore.addEventListener("click", () => openRestore(disk.id));
  details.addEventListener("toggle", () => {
    if (details.open) loadDetails(disk.id);
    else state.details.delete(disk.id);
  });
  return { root, facts, badge, failure, points, details, summary: details.querySelector("summary") };
}

function fact(term, value) {
  return h("div", {}, h("dt", { text: term }), h("dd", {}, value));
}

function updateCard(card, disk) {
  const fresh = freshnessOf(disk.id);
  const last = disk.lastRestorePoint;
  const status = fresh ? (fresh.failing ? "failing" : fresh.stale ? "stale" : "fresh") : "unknown";
  card.badge.className = `badge ${status}`;
  card.badge.textContent = status === "failing" && fresh.stale ? "failing, stale" : status;
  const age = fresh?.lastCompleted ? `${formatDuration(fresh.lastCompleted.ageMs)} ago` : "never";
  const facts = [
    fact(
      "Kind",
      disk.kind === "managedDisk"
        ? "managed disk"
        : disk.kind === "pageBlob"
          ? "page blob"
          : (disk.kind ?? "—"),
    ),
    fact("Size", formatBytes(last?.diskSizeBytes)),
    fact("Last restore point", last ? `${age} (${last.kind}, ${last.status})` : "none yet"),
    fact("Completed", formatTime(last?.completedAt)),
    fact("Added by it", formatBytes(last?.changedBytes)),
    // Issue 13's fields of GET /api/disks, shown when the API has them.
    typeof disk.restorePointCount === "number"
      ? fact("Restore points", `${disk.restorePointCount} (${formatBytes(disk.restorePointBytes)} added)`)
      : null,
    typeof disk.backupAllocatedBytes === "number"
      ? fact("Backup blob", formatBytes(disk.backupAllocatedBytes))
      : null,
    disk.retention !== undefined ? fact("Retention", disk.retention || "keep everything") : null,
    disk.verification !== undefined
      ? fact(
          "Verification",
          disk.verification
            ? `${coverageText(disk.verification.coverage)} of pass ${disk.verification.pass} (${disk.verification.mode})` +
                (disk.verification.mismatches > 0 ? `, ${disk.verification.mismatches} MISMATCHES` : "")
            : "none yet",
        )
      : null,
    disk.suspectRestorePoints > 0 ? fact("Suspect restore points", String(disk.suspectRestorePoints)) : null,
    fact("Source", disk.sourceUrl),
  ];
  card.facts.replaceChildren(...facts.filter(Boolean));
  const lastFailure = fresh?.lastFailure;
  card.failure.hidden = !lastFailure;
  if (lastFailure) {
    card.failure.textContent = `${fresh.failing ? "Last backup failed" : "Earlier failure"} (${lastFailure.restorePointId}, ${formatTime(lastFailure.startedAt)}): ${lastFailure.reason ?? "no reason recorded"}`;
  }
}

export async function loadDetails(diskId) {
  const card = state.cards.get(diskId);
  if (!card) return;
  const [points, retention] = await Promise.all([
    api(`disks/${encodeURIComponent(diskId)}/restore-points`),
    api(`disks/${encodeURIComponent(diskId)}/retention`).catch(() => ({ ok: false })),
  ]);
  if (!points.ok) {
    card.points.replaceChildren(h("p", { class: "error", text: refusal(points) }));
    return;
  }
  const list = points.data?.restorePoints ?? [];
  const keep = new Map();
  if (retention.ok) {
    for (const p of retention.data?.restorePoints ?? []) keep.set(p.restorePointId, p);
  }
  state.details.set(diskId, { points: list, keep });
  card.summary.textContent = `Restore points (${list.length})`;
  card.points.replaceChildren(chart(diskId, list, keep), legend(), pointsTable(diskId, list, keep));
}

// A disk's restore points: the bytes each added on a time line (an SVG bar chart described in words) and
// the same points in a table, with holds, suspect points, verification and retention when the API has them.
import { openRestore } from "./actions.js";
import { formatBytes, formatTime, verificationText, verifiedOf } from "./format.js";
import { nameOfDisk } from "./state.js";
import { h } from "./ui.js";

export function legend() {
  const kinds = [
    ["full", "full"],
    ["incremental", "incremental"],
    ["restored", "restored"],
    ["failed", "failed"],
  ];
  return h(
    "ul",
    { class: "legend", "aria-hidden": "true" },
    kinds.map(([cls, label]) => h("li", {}, h("span", { class: `swatch ${cls}` }), label)),
    h("li", { text: "H = hold, ? = suspect, ✓ = verified" }),
  );
}

/** Bytes each restore point added, on a time line (oldest left). The table below holds the same data. */
export function chart(diskId, points, keep) {
  const width = 640;
  const height = 180;
  const pad = { left: 8, right: 8, top: 18, bottom: 22 };
  const ordered = [...points].sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
  const times = ordered.map((p) => Date.parse(p.startedAt));
  const first = Math.min(...times);
  const last = Math.max(...times);
  const span = Math.max(last - first, 1);
  const most = Math.max(1, ...ordered.map((p) => p.changedBytes || 0));
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const barW = Math.max(3, Math.min(24, plotW / Math.max(ordered.length, 1) - 2));
  const name = nameOfDisk(diskId);
  const summary =
    ordered.length === 0
      ? `${name} has no restore point yet.`
      : `Bytes added by each of ${ordered.length} restore points of ${name}, from ${formatTime(ordered[0].startedAt)} to ${formatTime(ordered.at(-1).startedAt)}; the largest added ${formatBytes(most)}.`;
  const svg = h("svg", {
    class: "chart",
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    "aria-label": summary,
  });
  ordered.forEach((p, i) => {
    const x =
      ordered.length === 1
        ? pad.left + plotW / 2 - barW / 2
        : pad.left + ((times[i] - first) / span) * (plotW - barW);
    const value = p.status === "failed" ? most * 0.05 : p.changedBytes || 0;
    const barH = Math.max(2, (value / most) * plotH);
    const cls = p.status === "failed" ? "bar-failed" : `bar-${p.kind}`;
    const marks = [p.hold ? "H" : "", p.suspect ? "?" : "", verifiedOf(p) ? "✓" : ""].join("");
    const kept = keep.get(p.restorePointId);
    svg.append(
      h(
        "g",
        {},
        h("title", {
          text: `${p.restorePointId} · ${p.kind} · ${p.status} · ${formatBytes(p.changedBytes)} added · ${formatTime(p.startedAt)}${kept && kept.keep === false ? " · expires" : ""}`,
        }),
        h("rect", {
          class: cls,
          x: x.toFixed(1),
          y: (pad.top + plotH - barH).toFixed(1),
          width: barW.toFixed(1),
          height: barH.toFixed(1),
        }),
        marks
          ? h("text", {
              class: "marker",
              x: (x + barW / 2).toFixed(1),
              y: (pad.top + plotH - barH - 4).toFixed(1),
              "text-anchor": "middle",
              text: marks,
            })
          : null,
      ),
    );
  });
  if (ordered.length > 0) {
    svg.append(
      h("text", { class: "axis", x: pad.left, y: height - 6, text: formatTime(ordered[0].startedAt) }),
      h("text", {
        class: "axis",
        x: width - pad.right,
        y: height - 6,
        "text-anchor": "end",
        text: formatTime(ordered.at(-1).startedAt),
      }),
    );
  }
  return svg;
}

export function pointsTable(diskId, points, keep) {
  const hasKeep = keep.size > 0;
  const hasVerification = points.some((p) => p.verification);
  const rows = points.map((p) => {
    const kept = keep.get(p.restorePointId);
    const flags = [p.hold ? "hold" : "", p.suspect ? "suspect" : ""].filter(Boolean);
    const restore =
      p.status === "completed"
        ? h("button", {
            type: "button",
            class: "small",
            text: "Restore…",
            "aria-label": `Restore ${p.restorePointId}…`,
            onclick: () => openRestore(diskId, p.restorePointId),
          })
        : null;
    return h(
      "tr",
      {},
      h(
        "td",
        {},
        h("span", { text: p.restorePointId }),
        flags.map((f) => [" ", h("span", { class: `badge ${f}`, text: f })]),
      ),
      h("td", { text: formatTime(p.startedAt) }),
      h("td", { text: p.kind }),
      h(
        "td",
        {},
        h("span", { class: `badge ${p.status}`, text: p.status }),
        p.reason ? h("div", { class: "muted", text: p.reason }) : null,
      ),
      h("td", { class: "num", text: formatBytes(p.changedBytes) }),
      hasVerification ? h("td", { text: verificationText(p) }) : null,
      hasKeep
        ? h("td", {
            text: kept
              ? `${kept.keep ? "keep" : "expires"}${kept.rules?.length ? ` (${kept.rules.join(", ")})` : ""}`
              : "—",
          })
        : null,
      h("td", {}, restore),
    );
  });
  const head = [
    "Restore point",
    "Started",
    "Kind",
    "Status",
    "Added",
    hasVerification ? "Verification" : null,
    hasKeep ? "Retention" : null,
    "Action",
  ];
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      {},
      h("caption", { class: "muted", text: `Restore points of ${nameOfDisk(diskId)}, newest first` }),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          head
            .filter(Boolean)
            .map((t) => h("th", { scope: "col", class: t === "Added" ? "num" : undefined, text: t })),
        ),
      ),
      h("tbody", {}, rows),
    ),
  );
}

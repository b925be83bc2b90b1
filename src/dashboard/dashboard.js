// The dashboard's behaviour (README "Dashboard"): reads every figure from the HTTP API (GET /api/disks,
// /api/health, /api/runs, /api/disks/{id}/restore-points and, where it exists, /retention), starts backups
// and restores, and shows the API's own error when it refuses one. In Azure the API asks for a function key:
// the page asks for it once (kept in this tab, or on this device when asked) and sends it as x-functions-key.
// No framework: a few small render functions that update the page in place.

const KEY_NAME = "diskBackupFunctionKey";
const FAST_POLL_MS = 1000;
const SLOW_POLL_MS = 15000;
const apiBase = new URL(".", window.location.href);

const $ = (id) => document.getElementById(id);

/** Creates an element with attributes, properties (`on…` handlers, `text`) and children. */
function h(tag, props = {}, ...children) {
  const svg = ["svg", "rect", "text", "title", "line", "g"].includes(tag);
  const el = svg ? document.createElementNS("http://www.w3.org/2000/svg", tag) : document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "text") el.textContent = String(value);
    else if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat(Number.POSITIVE_INFINITY)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// ---- figures --------------------------------------------------------------------------------------------

function formatBytes(bytes) {
  if (typeof bytes !== "number" || !Number.isFinite(bytes)) return "—";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 100 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

function formatDuration(ms) {
  if (typeof ms !== "number" || !Number.isFinite(ms)) return "—";
  const minutes = Math.round(Math.abs(ms) / 60000);
  if (minutes < 1) return "less than a minute";
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days} days` : `${days} days ${hours % 24} h`;
}

function formatTime(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleString();
}

/** `container/blob` of a disk's source URL, the name people know it by (path-style URLs carry the account). */
function diskName(url, fallback) {
  try {
    const parsed = new URL(url);
    const parts = parsed.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    const pathStyle = !parsed.hostname.includes(".") || /^[\d.]+$/.test(parsed.hostname);
    return parts.slice(pathStyle ? 1 : 0).join("/") || fallback;
  } catch {
    return fallback;
  }
}

// ---- messages -------------------------------------------------------------------------------------------

function say(kind, text) {
  const close = h("button", { type: "button", class: "small", text: "Dismiss" });
  const item = h(
    "div",
    { class: `message ${kind}`, role: kind === "error" ? "alert" : "status" },
    h("p", { text }),
    close,
  );
  close.addEventListener("click", () => item.remove());
  $("messages").prepend(item);
  if (kind !== "error") setTimeout(() => item.remove(), 15000);
}

/** The API's own words for a refusal: `<code>: <message>`. */
function refusal(result) {
  const error = result.data?.error;
  if (error?.code || error?.message) return `${error.code ?? result.status}: ${error.message ?? ""}`.trim();
  return `HTTP ${result.status}`;
}

// ---- the function key -----------------------------------------------------------------------------------

function storedKey() {
  return sessionStorage.getItem(KEY_NAME) ?? localStorage.getItem(KEY_NAME) ?? "";
}

let keyPrompt;

/** Asks for the key once, however many requests were refused meanwhile; resolves when one is entered. */
function askForKey(reason) {
  keyPrompt ??= new Promise((resolve, reject) => {
    const dialog = $("key-dialog");
    $("key-reason").textContent = reason;
    $("key-input").value = "";
    const done = (ok) => {
      dialog.removeEventListener("close", onClose);
      keyPrompt = undefined;
      if (ok) resolve();
      else reject(new Error("no function key"));
    };
    const onClose = () => {
      const key = $("key-input").value.trim();
      if (dialog.returnValue !== "save" || key === "") return done(false);
      sessionStorage.removeItem(KEY_NAME);
      localStorage.removeItem(KEY_NAME);
      ($("key-remember").checked ? localStorage : sessionStorage).setItem(KEY_NAME, key);
      $("key-button").hidden = false;
      done(true);
    };
    dialog.returnValue = "";
    dialog.addEventListener("close", onClose);
    dialog.showModal();
  });
  return keyPrompt;
}

// ---- the API --------------------------------------------------------------------------------------------

/** Calls the API; a 401/403 asks for the function key and tries again. Resolves to { status, ok, data }. */
async function api(path, { method = "GET", body } = {}) {
  for (let attempt = 0; attempt < 3; attempt++) {
    const headers = { accept: "application/json" };
    const key = storedKey();
    if (key) headers["x-functions-key"] = key;
    if (body !== undefined) headers["content-type"] = "application/json";
    const response = await fetch(new URL(path, apiBase), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
    if (response.status === 401 || response.status === 403) {
      await askForKey(
        key
          ? "The API refused the stored function key. Enter a valid one."
          : "The API asks for a function key (Azure portal → the function app → App keys).",
      );
      continue;
    }
    const text = await response.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = { error: { code: `HTTP ${response.status}`, message: text.slice(0, 300) } };
    }
    return { status: response.status, ok: response.ok, data };
  }
  throw new Error("the function key was refused");
}

// ---- state ----------------------------------------------------------------------------------------------

const state = {
  disks: [],
  health: null,
  runs: [],
  /** diskId → { points, retention } for the disks whose restore points are open. */
  details: new Map(),
  cards: new Map(),
  runItems: new Map(),
  started: new Set(),
  timer: undefined,
};

const RUNNING = new Set(["Running", "Pending", "ContinuedAsNew", "Suspended"]);

async function refresh() {
  try {
    const [disks, health, runs] = await Promise.all([api("disks"), api("health"), api("runs")]);
    if (!disks.ok) throw new Error(`GET /api/disks: ${refusal(disks)}`);
    state.disks = disks.data?.disks ?? [];
    state.health = health.data && Array.isArray(health.data.disks) ? health.data : null;
    const wasRunning = state.runs.some((r) => RUNNING.has(r.runtimeStatus));
    state.runs = runs.ok ? (runs.data?.runs ?? []) : [];
    const running = state.runs.some((r) => RUNNING.has(r.runtimeStatus));
    render();
    if (wasRunning && !running) for (const id of state.details.keys()) loadDetails(id);
    schedule(running ? FAST_POLL_MS : SLOW_POLL_MS);
  } catch (error) {
    $("summary").textContent = `Cannot read the API: ${error.message}`;
    schedule(SLOW_POLL_MS);
  }
}

function schedule(ms) {
  clearTimeout(state.timer);
  state.timer = setTimeout(refresh, ms);
}

// ---- rendering: summary ---------------------------------------------------------------------------------

function render() {
  const health = state.health;
  const unhealthy = health?.unhealthy?.length ?? 0;
  const count = state.disks.length;
  $("summary").textContent = health
    ? unhealthy === 0
      ? `All ${count} disk${count === 1 ? "" : "s"} fresh.`
      : `${unhealthy} of ${count} disk${count === 1 ? "" : "s"} need attention (stale or failing).`
    : `${count} disk${count === 1 ? "" : "s"}.`;
  if (health?.schedule) {
    $("schedule").textContent =
      `Schedule ${health.schedule.expression} (UTC): a backup at least every ${formatDuration(health.schedule.intervalMs)}; ` +
      `a disk is stale after ${formatDuration(health.schedule.staleAfterMs)} without a completed restore point.`;
  }
  $("key-button").hidden = storedKey() === "";
  renderRuns();
  renderDisks();
}

// ---- rendering: runs ------------------------------------------------------------------------------------

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
  return run.name;
}

function nameOfDisk(diskId) {
  const disk = state.disks.find((d) => d.id === diskId);
  return disk ? diskName(disk.sourceUrl, disk.id) : (diskId ?? "a disk");
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

function renderRuns() {
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

// ---- rendering: disks -----------------------------------------------------------------------------------

function freshnessOf(diskId) {
  return state.health?.disks?.find((d) => d.diskId === diskId);
}

function renderDisks() {
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
    disk.restorePointCount !== undefined ? fact("Restore points", String(disk.restorePointCount)) : null,
    disk.verificationCoverage !== undefined
      ? fact("Verification coverage", coverageText(disk.verificationCoverage))
      : null,
    fact("Source", disk.sourceUrl),
  ];
  card.facts.replaceChildren(...facts.filter(Boolean));
  const lastFailure = fresh?.lastFailure;
  card.failure.hidden = !lastFailure;
  if (lastFailure) {
    card.failure.textContent = `${fresh.failing ? "Last backup failed" : "Earlier failure"} (${lastFailure.restorePointId}, ${formatTime(lastFailure.startedAt)}): ${lastFailure.reason ?? "no reason recorded"}`;
  }
}

function coverageText(value) {
  if (typeof value === "number") return `${Math.round(value * (value <= 1 ? 100 : 1))} %`;
  if (value && typeof value === "object" && typeof value.percent === "number")
    return `${Math.round(value.percent)} %`;
  return JSON.stringify(value);
}

// ---- restore points: time line, chart and table ---------------------------------------------------------

async function loadDetails(diskId) {
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

function legend() {
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
function chart(diskId, points, keep) {
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

function verifiedOf(point) {
  if (!point.verification) return false;
  try {
    const v = typeof point.verification === "string" ? JSON.parse(point.verification) : point.verification;
    return v?.verified === true;
  } catch {
    return false;
  }
}

function verificationText(point) {
  if (!point.verification) return "—";
  try {
    const v = typeof point.verification === "string" ? JSON.parse(point.verification) : point.verification;
    const parts = [];
    if (typeof v.verified === "boolean") parts.push(v.verified ? "verified" : "MISMATCH");
    if (typeof v.bytesCompared === "number") parts.push(`${formatBytes(v.bytesCompared)} compared`);
    if (typeof v.coverage === "number") parts.push(`coverage ${coverageText(v.coverage)}`);
    return parts.join(", ") || "recorded";
  } catch {
    return "recorded";
  }
}

function pointsTable(diskId, points, keep) {
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

// ---- actions --------------------------------------------------------------------------------------------

async function startBackup(disks, button) {
  button.disabled = true;
  try {
    const result = await api("backups", { method: "POST", body: disks ? { disks } : {} });
    if (result.status === 202) {
      say("info", `Backup started (${result.data?.id ?? "run"}).`);
      state.started.add(result.data?.id);
      await refresh();
    } else {
      say("error", `The backup was refused: ${refusal(result)}`);
    }
  } catch (error) {
    say("error", `The backup could not be started: ${error.message}`);
  } finally {
    button.disabled = false;
  }
}

let restoreDisk;

async function openRestore(diskId, restorePointId) {
  restoreDisk = state.disks.find((d) => d.id === diskId);
  if (!restoreDisk) return;
  const name = diskName(restoreDisk.sourceUrl, diskId);
  $("restore-title").textContent = `Restore ${name}`;
  $("restore-error").hidden = true;
  $("restore-target").value = "";
  $("restore-overwrite").checked = false;
  $("restore-overwrite-note").hidden = true;
  let points = state.details.get(diskId)?.points;
  if (!points) {
    const result = await api(`disks/${encodeURIComponent(diskId)}/restore-points`);
    points = result.ok ? (result.data?.restorePoints ?? []) : [];
  }
  const select = $("restore-point");
  select.replaceChildren(
    ...points
      .filter((p) => p.status === "completed")
      .map((p) =>
        h("option", {
          value: p.restorePointId,
          text: `${p.restorePointId} (${p.kind}, ${formatTime(p.startedAt)})`,
        }),
      ),
  );
  if (restorePointId) select.value = restorePointId;
  document.querySelector('input[name="what"][value="point"]').checked = true;
  $("restore-time").value = "";
  $("restore-dialog").showModal();
}

function restoreRequest() {
  const what = document.querySelector('input[name="what"]:checked')?.value;
  const body = { diskId: restoreDisk.id };
  if (what === "time") {
    const local = $("restore-time").value;
    if (!local) return { error: "Choose a point in time." };
    body.pointInTime = new Date(local).toISOString();
  } else {
    if (!$("restore-point").value) return { error: "This disk has no completed restore point." };
    body.restorePointId = $("restore-point").value;
  }
  const target = $("restore-target").value.trim();
  if (target) body.targetUrl = target;
  if ($("restore-overwrite").checked) body.overwrite = true;
  return { body };
}

/** Resolves true when the user confirms overwriting `target`. */
function confirmOverwrite(target) {
  return new Promise((resolve) => {
    const dialog = $("confirm-dialog");
    $("confirm-text").textContent =
      `${target || "The target"} will be overwritten with the chosen restore point if it exists. ` +
      "A safety restore point of it is taken first.";
    dialog.returnValue = "";
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "overwrite"), { once: true });
    dialog.showModal();
  });
}

async function submitRestore(event) {
  event.preventDefault();
  const request = restoreRequest();
  const error = $("restore-error");
  if (request.error) {
    error.textContent = request.error;
    error.hidden = false;
    return;
  }
  if (request.body.overwrite && !(await confirmOverwrite(request.body.targetUrl))) return;
  const button = $("restore-submit");
  button.disabled = true;
  try {
    const result = await api("restores", { method: "POST", body: request.body });
    if (result.status === 202) {
      $("restore-dialog").close();
      say("info", `Restore started (${result.data?.id ?? "run"}).`);
      state.started.add(result.data?.id);
      await refresh();
    } else {
      error.textContent = `The restore was refused: ${refusal(result)}`;
      error.hidden = false;
    }
  } catch (failure) {
    error.textContent = `The restore could not be started: ${failure.message}`;
    error.hidden = false;
  } finally {
    button.disabled = false;
  }
}

// ---- wiring ---------------------------------------------------------------------------------------------

function wire() {
  $("backup-all").addEventListener("click", (event) => startBackup(undefined, event.currentTarget));
  $("refresh").addEventListener("click", () => refresh());
  $("key-button").addEventListener("click", () =>
    askForKey("Replace or forget the function key.").then(refresh, () => {}),
  );
  $("key-cancel").addEventListener("click", () => $("key-dialog").close("cancel"));
  $("key-forget").addEventListener("click", () => {
    sessionStorage.removeItem(KEY_NAME);
    localStorage.removeItem(KEY_NAME);
    $("key-dialog").close("cancel");
    $("key-button").hidden = true;
    say("info", "The stored function key was forgotten.");
  });
  $("restore-form").addEventListener("submit", submitRestore);
  $("restore-cancel").addEventListener("click", () => $("restore-dialog").close());
  $("restore-use-source").addEventListener("click", () => {
    if (restoreDisk) $("restore-target").value = restoreDisk.sourceUrl;
    $("restore-overwrite").checked = true;
    $("restore-overwrite-note").hidden = false;
  });
  $("restore-overwrite").addEventListener("change", (event) => {
    $("restore-overwrite-note").hidden = !event.currentTarget.checked;
  });
  $("restore-time").addEventListener("input", () => {
    document.querySelector('input[name="what"][value="time"]').checked = true;
  });
  $("restore-point").addEventListener("change", () => {
    document.querySelector('input[name="what"][value="point"]').checked = true;
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") refresh();
  });
}

wire();
refresh();

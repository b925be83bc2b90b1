// The dashboard's behaviour (README "Dashboard"): reads every figure from the HTTP API (GET /api/disks,
// /api/health, /api/runs, /api/disks/{id}/restore-points and, where it exists, /retention), starts backups
// and restores, and shows the API's own error when it refuses one. In Azure the API asks for a function key:
// the page asks for it once (kept in this tab, or on this device when asked) and sends it as x-functions-key.
// No framework: a few small modules of render functions that update the page in place; this one reads the
// API on a timer and wires the page.
import { startBackup, wireRestoreDialog } from "./actions.js";
import { api, askForKey, KEY_NAME, refusal, storedKey } from "./api.js";
import { loadDetails, renderDisks } from "./disks.js";
import { formatDuration } from "./format.js";
import { renderRuns } from "./runs.js";
import { RUNNING, state } from "./state.js";
import { $, say } from "./ui.js";

const FAST_POLL_MS = 1000;
const SLOW_POLL_MS = 15000;

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
  wireRestoreDialog();
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") refresh();
  });
}

state.refresh = refresh;
wire();
refresh();

// The actions: back up all disks or one now (POST /api/backups), restore a restore point or a point in time
// to a new disk or, after an explicit confirmation, over an existing one (POST /api/restores). A refusal shows
// the API's own message.
import { api, refusal } from "./api.js";
import { diskName, formatTime } from "./format.js";
import { state } from "./state.js";
import { $, h, say } from "./ui.js";

export async function startBackup(disks, button) {
  button.disabled = true;
  try {
    const result = await api("backups", { method: "POST", body: disks ? { disks } : {} });
    if (result.status === 202) {
      say("info", `Backup started (${result.data?.id ?? "run"}).`);
      state.started.add(result.data?.id);
      await state.refresh();
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

export async function openRestore(diskId, restorePointId) {
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

export async function submitRestore(event) {
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
      await state.refresh();
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

/** The restore dialog's controls: submit, cancel, "use the source disk", and choosing point or time. */
export function wireRestoreDialog() {
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
}

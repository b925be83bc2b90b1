// The HTTP API as the page calls it: the function key (asked once when the API wants one, kept for the tab or
// on the device, sent as x-functions-key) and the API's own words when it refuses something.
import { $ } from "./ui.js";

export const KEY_NAME = "diskBackupFunctionKey";
const apiBase = new URL(".", window.location.href);

export function refusal(result) {
  const error = result.data?.error;
  if (error?.code || error?.message) return `${error.code ?? result.status}: ${error.message ?? ""}`.trim();
  return `HTTP ${result.status}`;
}

export function storedKey() {
  return sessionStorage.getItem(KEY_NAME) ?? localStorage.getItem(KEY_NAME) ?? "";
}

let keyPrompt;

/** Asks for the key once, however many requests were refused meanwhile; resolves when one is entered. */
export function askForKey(reason) {
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

export async function api(path, { method = "GET", body } = {}) {
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

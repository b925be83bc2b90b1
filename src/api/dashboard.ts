// The dashboard's static files (GET /api/dashboard and GET /api/dashboard/{asset}), independent of the
// Functions SDK. The files hold no data: the page reads everything from the HTTP API with the caller's
// function key, which is why they can be served without one. They are served from src/dashboard as they are
// (plain HTML, CSS and JS, no build step), read once per process.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

/** The folder of the dashboard's files: `<package root>/src/dashboard`, from `dist/src/api` or `src/api`. */
export function dashboardFolder(here: string = __dirname): string {
  const root = path.basename(path.resolve(here, "../..")) === "dist" ? "../../.." : "../..";
  return path.resolve(here, root, "src", "dashboard");
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".svg": "image/svg+xml",
};

/** A served file's name: plain names of the folder's own files (no paths), of the types above. */
const ASSET_NAME = /^[a-z][a-z0-9-]*\.(html|css|js|svg)$/;

/** The files of the dashboard's folder that may be served; nothing else under the route is. */
export function dashboardAssets(folder: string = dashboardFolder()): string[] {
  return readdirSync(folder)
    .filter((name) => ASSET_NAME.test(name))
    .sort();
}

/** Scripts and styles only from this origin; data only from this origin's API; no framing. */
const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-cache",
};

export interface AssetResponse {
  status: number;
  body: string;
  headers: Record<string, string>;
}

const cache = new Map<string, string>();
const listed = new Map<string, string[]>();

function read(folder: string, name: string): string {
  const key = path.join(folder, name);
  let text = cache.get(key);
  if (text === undefined) {
    text = readFileSync(key, "utf8");
    cache.set(key, text);
  }
  return text;
}

/** The asset named by the route (`undefined`: the page itself), or 404 for anything else. */
export function dashboardAsset(name: string | undefined, folder: string = dashboardFolder()): AssetResponse {
  const file = name === undefined || name === "" ? "index.html" : name;
  let assets = listed.get(folder);
  if (assets === undefined) {
    assets = dashboardAssets(folder);
    listed.set(folder, assets);
  }
  if (!ASSET_NAME.test(file) || !assets.includes(file)) {
    return { status: 404, body: "not found", headers: { "content-type": "text/plain; charset=utf-8" } };
  }
  const type = TYPES[path.extname(file)] ?? "application/octet-stream";
  return { status: 200, body: read(folder, file), headers: { "content-type": type, ...SECURITY_HEADERS } };
}

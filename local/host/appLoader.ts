// Loads the app the way the worker does: the entry files named by package.json "main" (globs allowed),
// each required once so its app.* / df.app.* calls register through the core shim.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

/** Expands package.json "main" (a file or a glob with `*` / `**` segments) to absolute file paths. */
export function resolveEntryFiles(appRoot: string): string[] {
  const pkg = JSON.parse(readFileSync(path.join(appRoot, "package.json"), "utf8")) as { main?: string };
  const main = pkg.main ?? "index.js";
  const files = expandGlob(
    appRoot,
    main.split(/[\\/]/).filter((s) => s !== "" && s !== "."),
  );
  if (files.length === 0)
    throw new Error(`No entry files match package.json main "${main}" under ${appRoot}`);
  return files.sort();
}

function expandGlob(dir: string, segments: string[]): string[] {
  const [head, ...rest] = segments;
  if (head === undefined) return existsSync(dir) ? [dir] : [];
  if (head === "**") {
    const here = expandGlob(dir, rest);
    const deeper = listDirs(dir).flatMap((d) => expandGlob(path.join(dir, d), segments));
    return [...here, ...deeper];
  }
  if (!head.includes("*")) return expandGlob(path.join(dir, head), rest);
  const pattern = new RegExp(`^${head.split("*").map(escapeRegExp).join(".*")}$`);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => pattern.test(name))
    .flatMap((name) => expandGlob(path.join(dir, name), rest));
}

function listDirs(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name !== "node_modules")
    .map((e) => e.name);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
}

/** Requires each entry file with Node's own loader, so the app shares the host process's module cache. */
export function loadEntryFiles(files: string[]): void {
  for (const file of files) {
    const load = createRequire(file);
    load(file);
  }
}

/** The versions whose worker/extension protocol this runtime reproduces (see local/host/README.md). */
export const VERIFIED_VERSIONS: Record<string, string> = {
  "@azure/functions": "4.16.5",
  "durable-functions": "3.5.0",
};

/** Warnings for app dependencies whose installed version differs from the verified one. */
export function versionWarnings(entryFile: string): string[] {
  const load = createRequire(entryFile);
  const warnings: string[] = [];
  for (const [name, verified] of Object.entries(VERIFIED_VERSIONS)) {
    try {
      const pkg = JSON.parse(readFileSync(load.resolve(`${name}/package.json`), "utf8")) as {
        version?: string;
      };
      if (pkg.version !== verified) {
        warnings.push(
          `WARNING: ${name} ${pkg.version} is installed; the local runtime was verified with ${verified}`,
        );
      }
    } catch {
      // Not a dependency of this app (e.g. no durable functions): nothing to check.
    }
  }
  return warnings;
}

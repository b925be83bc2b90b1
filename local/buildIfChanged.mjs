// `npm start`, `npm run emulator`, `npm run demo:change` and `npm run bench` run this first: it compiles
// with `tsc --incremental` only when a source changed since its last build (a full build takes 10-15 s
// on 2 cores, the check a few milliseconds). `--force` (`npm run build`) always compiles. Either way,
// compiled files whose source is gone are removed: a renamed function file would otherwise still load.
// Plain JavaScript, because it runs before anything is compiled.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = path.join(root, "dist");
const stampFile = path.join(dist, ".build-stamp.json");
// What tsconfig.json compiles, plus what changes its output (compiler options, installed type definitions).
const SOURCE_DIRS = ["src", "local", "bench", "test"];
const EXTRA_INPUTS = ["tsconfig.json", "package-lock.json"];

/** @returns {Map<string, number>} relative path -> mtime (ms) of every input file */
function inputs() {
  const found = new Map();
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(".ts")) found.set(path.relative(root, full), statSync(full).mtimeMs);
    }
  };
  for (const dir of SOURCE_DIRS) if (existsSync(path.join(root, dir))) walk(path.join(root, dir));
  for (const file of EXTRA_INPUTS) {
    const full = path.join(root, file);
    if (existsSync(full)) found.set(file, statSync(full).mtimeMs);
  }
  return found;
}

/** @returns {string | undefined} why a build is needed, or undefined when dist is current */
function staleReason(current) {
  if (!existsSync(stampFile)) return "no previous build";
  /** @type {{ builtAt: number, files: string[] }} */
  const stamp = JSON.parse(readFileSync(stampFile, "utf8"));
  const before = new Set(stamp.files);
  for (const [file, mtime] of current) {
    if (!before.has(file)) return `${file} is new`;
    if (mtime > stamp.builtAt) return `${file} changed`;
  }
  if (before.size !== current.size) return "a source file was removed";
  return undefined;
}

/** Removes dist/<dir>/**.js (and its map and declarations) whose .ts source no longer exists. */
function pruneOrphans(current) {
  let removed = 0;
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(full);
        continue;
      }
      const match = /^(.*)\.(js|js\.map|d\.ts)$/.exec(entry.name);
      if (!match) continue;
      const source = path.join(path.relative(dist, dir), `${match[1]}.ts`);
      if (!current.has(source)) {
        rmSync(full);
        removed++;
      }
    }
  };
  for (const dir of SOURCE_DIRS) if (existsSync(path.join(dist, dir))) walk(path.join(dist, dir));
  if (removed > 0) console.log(`Removed ${removed} compiled file(s) whose source is gone.`);
}

const current = inputs();
const reason = process.argv.includes("--force") ? "forced" : staleReason(current);
if (reason !== undefined) {
  const started = Date.now();
  console.log(`Compiling (${reason})...`);
  mkdirSync(dist, { recursive: true });
  execFileSync(
    process.execPath,
    [
      path.join(root, "node_modules/typescript/bin/tsc"),
      "-p",
      path.join(root, "tsconfig.json"),
      "--incremental",
      "--tsBuildInfoFile",
      path.join(dist, ".tsbuildinfo"),
    ],
    { stdio: "inherit" },
  );
  // The start time, not the end: a file saved during the build is newer and triggers the next one.
  writeFileSync(stampFile, JSON.stringify({ builtAt: started, files: [...current.keys()].sort() }));
  pruneOrphans(current);
  console.log(`Compiled in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
}

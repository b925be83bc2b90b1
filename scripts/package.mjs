#!/usr/bin/env node
// `npm run package`: the deployment package, production only (README "Deploy to Azure"). azd runs it before
// packaging (azure.yaml: prepackage hook, `dist: .deploy`) and zips the folder it writes; it also writes that
// zip itself, for a manual deployment and for the package test. The folder holds exactly: host.json, a
// package.json without scripts or dev dependencies, the compiled app (dist/src, no source maps), the
// dashboard's files (src/dashboard) and the production dependencies named by package-lock.json (what
// `npm ci --omit=dev` installs), copied from node_modules without the files Node never loads (source maps,
// TypeScript sources and declarations, Markdown). Nothing local, test, bench, emulator or dev.
//
// Usage: node scripts/package.mjs [--out <folder>] [--zip <file>] [--no-build]
import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { crc32, deflateRawSync } from "node:zlib";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function parseArgs(argv) {
  const options = { out: path.join(root, ".deploy"), zip: path.join(root, ".deploy.zip"), build: true };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--out") options.out = path.resolve(argv[++i]);
    else if (arg === "--zip") options.zip = path.resolve(argv[++i]);
    else if (arg === "--no-build") options.build = false;
    else
      throw new Error(
        `unknown argument ${arg}; usage: node scripts/package.mjs [--out <dir>] [--zip <file>] [--no-build]`,
      );
  }
  return options;
}

/** Every file under `dir` (relative paths, forward slashes), skipping directories named in `skip`. */
function filesUnder(dir, skip = new Set(), prefix = "") {
  const files = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (skip.has(entry.name)) continue;
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) files.push(...filesUnder(path.join(dir, entry.name), new Set(), rel));
    else if (entry.isFile()) files.push(rel);
  }
  return files;
}

function copy(from, to) {
  mkdirSync(path.dirname(to), { recursive: true });
  copyFileSync(from, to);
}

/**
 * The production packages in package-lock.json (lockfile v2/v3): every `node_modules/...` entry not marked
 * `dev` (a `devOptional` one is optional in production, so it stays when installed). Same set as
 * `npm ci --omit=dev`, without a registry.
 */
export function productionPackages(lock) {
  if (!lock.packages) throw new Error("package-lock.json has no 'packages' (lockfile v2 or later is needed)");
  return Object.entries(lock.packages)
    .filter(([key, entry]) => key.startsWith("node_modules/") && !entry.dev && !entry.link)
    .map(([key, entry]) => ({ key, optional: Boolean(entry.optional || entry.devOptional) }))
    .sort((a, b) => a.key.localeCompare(b.key));
}

/**
 * Files Node never loads from node_modules: source maps, TypeScript sources and declarations (Node does not
 * strip types under node_modules), Markdown docs. Licences stay. About half the bytes.
 */
const NOT_RUN = /(\.map|\.ts|\.mts|\.cts|\.md|\.markdown)$/i;

/** A minimal package.json: what the Functions host and Node read, no scripts, no dev dependencies. */
function deployedPackageJson(pkg) {
  const { name, version, private: isPrivate, description, license, engines, main, type, dependencies } = pkg;
  return { name, version, private: isPrivate, description, license, engines, main, type, dependencies };
}

export function stage(out) {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
  const lock = JSON.parse(readFileSync(path.join(root, "package-lock.json"), "utf8"));
  writeFileSync(path.join(out, "package.json"), `${JSON.stringify(deployedPackageJson(pkg), null, 2)}\n`);
  copy(path.join(root, "host.json"), path.join(out, "host.json"));
  const built = path.join(root, "dist", "src");
  if (!existsSync(path.join(built, "functions")))
    throw new Error("dist/src/functions is missing: build first");
  for (const file of filesUnder(built).filter((f) => f.endsWith(".js"))) {
    copy(path.join(built, file), path.join(out, "dist", "src", file));
  }
  const dashboard = path.join(root, "src", "dashboard");
  for (const file of filesUnder(dashboard))
    copy(path.join(dashboard, file), path.join(out, "src", "dashboard", file));
  for (const { key, optional } of productionPackages(lock)) {
    const from = path.join(root, key);
    if (!existsSync(from)) {
      if (optional) continue;
      throw new Error(`${key} is a production dependency but is not installed: run npm ci`);
    }
    // Nested node_modules are entries of their own in the lock: copied (or left out) by their own entry.
    for (const file of filesUnder(from, new Set(["node_modules"]))) {
      if (!NOT_RUN.test(file)) copy(path.join(from, file), path.join(out, key, file));
    }
  }
}

/** A zip of the folder (deflate; the store method when it does not shrink), entries sorted, times fixed. */
export function zipFolder(dir, zipFile) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  const dosTime = 0; // 00:00:00
  const dosDate = (2020 - 1980) * 512 + 1 * 32 + 1; // 1 January 2020: the same bytes for the same files
  for (const name of filesUnder(dir).sort()) {
    const data = readFileSync(path.join(dir, name));
    const deflated = deflateRawSync(data, { level: 9 });
    const [method, body] = deflated.length < data.length ? [8, deflated] : [0, data];
    const nameBytes = Buffer.from(name, "utf8");
    const crc = crc32(data) >>> 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(dosTime, 10);
    local.writeUInt16LE(dosDate, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    locals.push(local, nameBytes, body);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x031e, 4); // made by: Unix, 3.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(dosTime, 12);
    central.writeUInt16LE(dosDate, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38); // -rw-r--r--
    central.writeUInt32LE(offset, 42);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const count = centrals.length / 2;
  if (count > 0xffff || offset > 0xffffffff)
    throw new Error("the package needs ZIP64, which this writer does not do");
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(count, 8);
  end.writeUInt16LE(count, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  writeFileSync(zipFile, Buffer.concat([...locals, directory, end]));
  return { files: count, bytes: offset + directory.length + end.length };
}

function sizeOf(dir) {
  return filesUnder(dir).reduce((sum, f) => sum + statSync(path.join(dir, f)).size, 0);
}

function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.build) execFileSync("npm", ["run", "build", "--silent"], { cwd: root, stdio: "inherit" });
  stage(options.out);
  const zip = zipFolder(options.out, options.zip);
  const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  console.log(
    `Package: ${path.relative(root, options.out) || options.out} (${zip.files} files, ${mib(sizeOf(options.out))}), ` +
      `zip ${path.relative(root, options.zip) || options.zip} ${mib(zip.bytes)}`,
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();

// The deployment package, built the way azd builds it (azure.yaml: `npm run build`, then the prepackage hook
// `npm run package`, then a zip of `dist: .deploy`): production only (host.json, package.json, dist/src,
// the dashboard's files, exactly npm's production dependency tree), bounded in size, a valid zip of the same
// files, and an app that loads and answers from the package alone. Plus what azd checks in azure.yaml.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { crc32, inflateRawSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningHost, startLocalHost } from "../../local/host/index";
import { testEmulator, uniqueName } from "../support/emulator";

const root = path.resolve(__dirname, "../..");
const MiB = 1024 * 1024;
/** Bounds, not timings: today about 40 MiB in 6,700 files, zipped to 10 MiB (README "Deploy to Azure"). */
const MAX_PACKAGE_BYTES = 60 * MiB;
const MAX_ZIP_BYTES = 20 * MiB;

function filesUnder(dir: string, prefix = ""): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    return entry.isDirectory() ? filesUnder(path.join(dir, entry.name), rel) : [rel];
  });
}

/** The package folders (`node_modules/a`, `node_modules/@s/b`, `node_modules/a/node_modules/c`) under dir. */
function packageDirs(files: string[]): string[] {
  const dirs = new Set<string>();
  for (const file of files) {
    const match = /^((?:node_modules\/(?:@[^/]+\/)?[^/]+\/)*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(file);
    if (match?.[1]) dirs.add(match[1]);
  }
  return [...dirs].sort();
}

/** Entries of a zip (central directory), each inflated and checked against its CRC-32. */
function readZip(file: string): Map<string, Buffer> {
  const zip = readFileSync(file);
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  expect(end).toBeGreaterThan(0);
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    expect(zip.readUInt32LE(at)).toBe(0x02014b50);
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const compressed = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extra = zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString("utf8", at + 46, at + 46 + nameLength);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const body = zip.subarray(start, start + compressed);
    const data = method === 8 ? inflateRawSync(body) : Buffer.from(body);
    expect({ name, crc: crc32(data) >>> 0 }).toEqual({ name, crc });
    entries.set(name, data);
    at += 46 + nameLength + extra;
  }
  return entries;
}

const work = mkdtempSync(path.join(tmpdir(), "package-test-"));
const out = path.join(work, "package");
const zipFile = path.join(work, "package.zip");
let files: string[] = [];
let report = "";

beforeAll(() => {
  // `npm test` has just built dist/ (azd's build step); the hook's own build is skipped to save time.
  report = execFileSync(
    process.execPath,
    [path.join(root, "scripts/package.mjs"), "--no-build", "--out", out, "--zip", zipFile],
    { cwd: root, encoding: "utf8" },
  );
  files = filesUnder(out).sort();
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("the deployment package (npm run package, as azd runs it)", () => {
  it("holds the built app, host.json, a production package.json and the dashboard, nothing local", () => {
    console.log(report.trim());
    expect(readdirSync(out).sort()).toEqual(["dist", "host.json", "node_modules", "package.json", "src"]);
    const own = files.filter((f) => !f.startsWith("node_modules/"));
    expect(own.filter((f) => !/^dist\/src\/.+\.js$/.test(f) && !f.startsWith("src/dashboard/"))).toEqual([
      "host.json",
      "package.json",
    ]);
    expect(readdirSync(path.join(out, "src", "dashboard")).sort()).toEqual(
      readdirSync(path.join(root, "src", "dashboard")).sort(),
    );
    const functions = own.filter((f) => f.startsWith("dist/src/functions/"));
    expect(functions).toContain("dist/src/functions/dashboardApi.js");
    expect(functions).toContain("dist/src/functions/backupApi.js");
    expect(files.filter((f) => /\.(map|ts)$/.test(f))).toEqual([]);
    expect(own.filter((f) => /(^|\/)(\.azurite|local|test|bench)\//.test(f))).toEqual([]);
    expect(files.filter((f) => /^dist\/(local|test|bench)\//.test(f))).toEqual([]);
    const pkg = JSON.parse(readFileSync(path.join(out, "package.json"), "utf8")) as Record<string, unknown>;
    const source = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as Record<
      string,
      unknown
    >;
    expect(pkg.scripts).toBeUndefined();
    expect(pkg.devDependencies).toBeUndefined();
    expect(pkg.main).toBe(source.main);
    expect(pkg.dependencies).toEqual(source.dependencies);
    expect(readFileSync(path.join(out, "host.json"), "utf8")).toBe(
      readFileSync(path.join(root, "host.json"), "utf8"),
    );
  });

  it("carries exactly npm's production dependency tree, no dev dependency", () => {
    const npmTree = execFileSync("npm", ["ls", "--omit=dev", "--all", "--parseable"], {
      cwd: root,
      encoding: "utf8",
    })
      .split("\n")
      .filter((line) => line.startsWith(root) && line !== root)
      .map((line) => path.relative(root, line).split(path.sep).join("/"))
      .sort();
    expect(npmTree.length).toBeGreaterThan(20);
    expect(packageDirs(files)).toEqual(npmTree);
    const dev = Object.keys(
      (JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { devDependencies: object })
        .devDependencies,
    );
    for (const name of [...dev, "vite", "esbuild", "rollup"]) {
      expect({ name, shipped: files.some((f) => f.startsWith(`node_modules/${name}/`)) }).toEqual({
        name,
        shipped: false,
      });
    }
  });

  it("stays small, and its zip holds the same files, byte for byte", () => {
    const bytes = files.reduce((sum, f) => sum + statSync(path.join(out, f)).size, 0);
    const zipped = statSync(zipFile).size;
    console.log(
      `package: ${files.length} files, ${(bytes / MiB).toFixed(1)} MiB; zip ${(zipped / MiB).toFixed(1)} MiB`,
    );
    expect(bytes).toBeLessThan(MAX_PACKAGE_BYTES);
    expect(zipped).toBeLessThan(MAX_ZIP_BYTES);
    const entries = readZip(zipFile);
    expect([...entries.keys()].sort()).toEqual(files);
    for (const name of ["package.json", "dist/src/functions/statusApi.js", "src/dashboard/index.html"]) {
      expect(entries.get(name)?.equals(readFileSync(path.join(out, name)))).toBe(true);
    }
  });
});

describe("the app loaded from the package alone", () => {
  const emu = testEmulator();
  let host: RunningHost;

  beforeAll(async () => {
    const container = uniqueName("pkgsrc");
    host = await startLocalHost({
      appRoot: out,
      port: 0,
      settings: {
        FUNCTIONS_WORKER_RUNTIME: "node",
        AzureWebJobsStorage: emu.connectionString("devstoreaccount1"),
        DURABLE_TASK_HUB_NAME: "packagetest",
        BACKUP_SOURCES: `${emu.blobEndpoint("devstoreaccount1")}/${container}`,
        BACKUP_TARGET: `${emu.blobEndpoint("devbackupaccount")}/${container}`,
        LINEAGE_TABLE: `${emu.tableEndpoint("devbackupaccount")}/${uniqueName("pkglineage")}`,
        BACKUP_SCHEDULE: "0 0 */12 * * *",
        STORAGE_ACCOUNT_KEYS: emu.storageAccountKeys,
      },
      durableStore: { kind: "memory" },
      log: () => {},
    });
  });

  afterAll(async () => {
    await host?.stop();
  });

  it("resolves every module from the package (outside the repository) and serves the API and the dashboard", async () => {
    expect(path.relative(root, out).startsWith("..")).toBe(true);
    const page = await fetch(`${host.baseUrl}/api/dashboard`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<h1>Disk backups</h1>");
    const health = await fetch(`${host.baseUrl}/api/health`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { schedule: { intervalMs: number } }).schedule.intervalMs).toBe(
      12 * 3600_000,
    );
    const disks = await fetch(`${host.baseUrl}/api/disks`);
    expect(await disks.json()).toEqual({ disks: [] });
  });
});

describe("azure.yaml and .funcignore, as azd reads them", () => {
  const yaml = readFileSync(path.join(root, "azure.yaml"), "utf8");

  it("builds locally and deploys the production folder the package script writes", () => {
    expect(yaml).toMatch(/^\s+remoteBuild:\s*false\s*$/m);
    expect(yaml).toMatch(/^\s+dist:\s*\.deploy\s*$/m);
    expect(yaml).toMatch(/prepackage:[\s\S]*run:\s*npm run package/);
    const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.package).toBe("node scripts/package.mjs");
    expect(readFileSync(path.join(root, ".gitignore"), "utf8")).toMatch(/^\.deploy\/$/m);
  });

  it("keeps node_modules in .funcignore's reach (azd refuses remoteBuild: false when it is ignored)", () => {
    const ignore = readFileSync(path.join(root, ".funcignore"), "utf8")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith("#"));
    expect(ignore.filter((l) => /^\/?node_modules\/?$/.test(l))).toEqual([]);
    for (const local of [".azurite/", ".deploy/", "local/", "test/", "bench/"])
      expect(ignore).toContain(local);
  });
});

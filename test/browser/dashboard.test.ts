// The dashboard end to end in a real browser: Debian's chromium driven by playwright-core against the app
// started the way `npm start` starts it (node dist/local/start.js, on free ports, with its demo disk).
// Load the page, see the demo disk, change pages and press "back up now", watch the progress finish,
// restore a restore point, see the new disk; a refused restore shows the API's message; an overwrite asks
// first; a key the API asks for is asked once and sent as x-functions-key.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type BrowserContext, chromium, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../support/ports";

const root = path.resolve(__dirname, "../..");
const DEMO = "vhds/mypremiumdisk.vhd";

/** Debian's chromium, or CHROMIUM_PATH; undefined when neither is installed. */
function findChromium(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"];
  for (const candidate of candidates) if (candidate && existsSync(candidate)) return candidate;
  try {
    return execFileSync("sh", ["-c", "command -v chromium"], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}

const executablePath = findChromium();
if (!executablePath) {
  const message =
    "dashboard browser test: chromium is not installed (apt-get install -y chromium, or set CHROMIUM_PATH)";
  // CI installs it (.ci/run) and sets REQUIRE_BROWSER=1: there a missing browser is a failure, not a skip.
  if (process.env.REQUIRE_BROWSER === "1") throw new Error(message);
  console.warn(`SKIPPED ${message}`);
}

interface App {
  child: ChildProcess;
  output: string[];
  env: NodeJS.ProcessEnv;
  base: string;
}

/**
 * `npm start`'s app (built), on free ports and a fresh data folder; resolves once the demo's backup is done.
 * A port taken by another test between the probe and the start makes the app refuse to start: it is tried
 * again on other ports.
 */
async function startApp(dataDir: string): Promise<App> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startAppOnce(dataDir);
    } catch (error) {
      if (attempt >= 3 || !/is in use/.test(String(error))) throw error;
      rmSync(dataDir, { recursive: true, force: true });
      mkdirSync(dataDir, { recursive: true });
    }
  }
}

async function startAppOnce(dataDir: string): Promise<App> {
  const [http, blob, table] = [await freePort(), await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(http),
    EMULATOR_BLOB_PORT: String(blob),
    EMULATOR_TABLE_PORT: String(table),
    // The Resource Manager stand-in on any free port (the page-blob demo needs none of it).
    ARM_PORT: "0",
    EMULATOR_LOCATION: dataDir,
    BACKUP_SOURCES: `http://127.0.0.1:${blob}/devstoreaccount1/vhds`,
    BACKUP_TARGET: `http://127.0.0.1:${blob}/devbackupaccount/backups`,
    LINEAGE_TABLE: `http://127.0.0.1:${table}/devbackupaccount/lineage`,
    DURABLE_TASK_HUB_NAME: "dashboardtest",
    DEMO_DISK: "true",
    // The demo disk as `npm start` makes it, with 32 MiB written instead of 200: a quicker first backup.
    DEMO_WRITTEN_MIB: "32",
  };
  const child = spawn(process.execPath, [path.join(root, "dist/local/start.js")], {
    cwd: root,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  const done = new Promise<void>((resolve, reject) => {
    const onLine = (chunk: Buffer) => {
      for (const line of chunk.toString("utf8").split("\n")) {
        output.push(line);
        if (/\[demo\] done\./.test(line)) resolve();
        if (/\[demo\] failed/.test(line)) reject(new Error(line));
      }
    };
    child.stdout?.on("data", onLine);
    child.stderr?.on("data", onLine);
    child.once("exit", (code) =>
      reject(new Error(`npm start's app exited (${code}):\n${output.join("\n")}`)),
    );
  });
  await done;
  return { child, output, env, base: `http://127.0.0.1:${http}/api` };
}

async function stopApp(app: App | undefined): Promise<void> {
  if (!app || app.child.exitCode !== null) return;
  const exited = new Promise((resolve) => app.child.once("exit", resolve));
  app.child.kill("SIGTERM");
  const timer = setTimeout(() => app.child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

/** `npm run demo:change`: random data into scattered pages of the demo disk. */
function changePages(app: App, mib: number): void {
  execFileSync(process.execPath, [path.join(root, "dist/local/changePages.js"), "--mib", String(mib)], {
    cwd: root,
    env: app.env,
    stdio: "pipe",
  });
}

/** Waits until the locator is visible (playwright-core has no assertions library; vitest polls). */
async function visible(locator: Locator, timeout = 15_000): Promise<void> {
  await locator.waitFor({ state: "visible", timeout });
}

/** Polls a locator's text until `expected` holds (a string equals, a RegExp matches). */
async function text(locator: Locator, expected: string | RegExp, timeout = 15_000): Promise<void> {
  const read = async () => ((await locator.count()) > 0 ? ((await locator.first().textContent()) ?? "") : "");
  const poll = expect.poll(read, { timeout, interval: 200 });
  await (typeof expected === "string" ? poll.toBe(expected) : poll.toMatch(expected));
}

/**
 * The run the page says it started (its notice names the instance: "Backup started (<id>)."), as its list
 * item: never an older run of the same kind.
 */
async function startedRun(page: Page, notice: string): Promise<Locator> {
  const status = page.getByRole("status").filter({ hasText: notice });
  await visible(status);
  const id = /started \(([^)]+)\)/.exec((await status.first().textContent()) ?? "")?.[1];
  if (!id) throw new Error(`no instance id in "${await status.first().textContent()}"`);
  return page.locator(`#runs > li[data-instance="${id}"]`);
}

describe.skipIf(!executablePath)("the dashboard in chromium against npm start's app", () => {
  let app: App | undefined;
  let browser: BrowserContext | undefined;
  let page: Page;
  const dataDir = mkdtempSync(path.join(tmpdir(), "dashboard-test-"));
  const profile = mkdtempSync(path.join(tmpdir(), "chromium-profile-"));

  beforeAll(async () => {
    if (!existsSync(path.join(root, "dist/local/start.js"))) throw new Error("Build first: npm run build");
    // Both start at once; whichever fails, the other is still kept, so afterAll can stop it.
    const [started, launched] = await Promise.allSettled([
      startApp(dataDir),
      // A persistent context on a fresh, empty profile folder (--user-data-dir): nothing from elsewhere.
      chromium.launchPersistentContext(profile, {
        executablePath,
        headless: true,
        viewport: { width: 1280, height: 900 },
        args: [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
        ],
      }),
    ]);
    app = started.status === "fulfilled" ? started.value : undefined;
    browser = launched.status === "fulfilled" ? launched.value : undefined;
    if (started.status === "rejected") throw started.reason;
    if (launched.status === "rejected") throw launched.reason;
    page = await (browser as BrowserContext).newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await stopApp(app);
    rmSync(dataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  });

  it("shows the demo disk, backs it up with live progress, restores a point to a new disk", async () => {
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`${app?.base}/dashboard`);

    // Load: the demo disk, fresh, with its first (full) restore point.
    const disk = page.getByRole("article", { name: DEMO, exact: true });
    await visible(disk);
    await text(disk.locator(".badge").first(), "fresh");
    await text(disk.locator(".facts"), /page blob/);
    await text(disk.locator(".facts"), /1\.0 GiB/);
    await text(page.locator("#summary"), "All 1 disk fresh.");

    // Back up now, after changing 16 MiB of the disk: a run appears, its progress bar fills.
    if (!app) throw new Error("no app");
    changePages(app, 16);
    await disk.getByRole("button", { name: `Back up ${DEMO} now` }).click();
    const run = await startedRun(page, "Backup started");
    await visible(run);
    await text(run.getByRole("heading"), /^Backup run \(1 disk, on request\)/);
    await text(run.locator(".badge").first(), "Completed", 60_000);
    const bar = run.getByRole("progressbar");
    const [value, max] = await Promise.all([bar.getAttribute("value"), bar.getAttribute("max")]);
    expect(Number(max)).toBeGreaterThanOrEqual(16 * 1024 * 1024);
    expect(Number(value)).toBe(Number(max));
    await text(run, /incremental/);

    // The restore points: two, on the time line and in the table.
    await disk.locator("summary").click();
    const rows = disk.locator("tbody tr");
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(2);
    expect(await disk.getByRole("img").getAttribute("aria-label")).toMatch(
      /Bytes added by each of 2 restore points/,
    );
    const firstPoint = (await rows.nth(1).locator("td").first().innerText()).trim();
    expect(firstPoint).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{8}$/);

    // A refused restore shows the API's own message and starts nothing.
    await disk.getByRole("button", { name: `Restore ${firstPoint}…` }).click();
    const dialog = page.getByRole("dialog", { name: `Restore ${DEMO}` });
    await visible(dialog);
    await dialog
      .getByLabel("Target page blob URL")
      .fill(`${String(app.env.BACKUP_SOURCES)}/mypremiumdisk.vhd`);
    await dialog.getByRole("button", { name: "Start restore" }).click();
    await text(dialog.getByRole("alert"), /refused: TargetExists: /);

    // Overwriting asks first; cancelling starts nothing.
    await dialog.getByLabel("Overwrite the target if it exists").check();
    await dialog.getByRole("button", { name: "Start restore" }).click();
    const confirm = page.getByRole("dialog", { name: "Overwrite an existing disk?" });
    await visible(confirm);
    await confirm.getByRole("button", { name: "Cancel" }).click();
    await confirm.waitFor({ state: "hidden" });
    expect(await page.locator("#runs > li").filter({ hasText: "Restore of" }).count()).toBe(0);

    // Restore the first point to a new disk (the default target next to the source).
    await dialog.getByLabel("Overwrite the target if it exists").uncheck();
    await dialog.getByLabel("Target page blob URL").fill("");
    await dialog.getByRole("button", { name: "Start restore" }).click();
    await dialog.waitFor({ state: "hidden" });
    const restore = await startedRun(page, "Restore started");
    await text(restore.getByRole("heading"), new RegExp(`^Restore of ${DEMO}`));
    await text(restore.locator(".badge").first(), "Completed", 90_000);
    await text(restore, /Verification: passed/);
    const restored = page.getByRole("article", { name: `vhds/mypremiumdisk-restore-${firstPoint}.vhd` });
    await visible(restored, 30_000);
    await text(restored.locator(".badge").first(), "fresh");
    await text(restored.locator(".facts"), /restored, completed/);
    expect(errors).toEqual([]);

    const shots = path.join(root, "dist", "test-artifacts");
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: path.join(shots, "dashboard.png"), fullPage: true });
    // `DASHBOARD_SCREENSHOT=docs npx vitest run test/browser` refreshes the README's picture.
    if (process.env.DASHBOARD_SCREENSHOT === "docs") {
      await page.evaluate("window.scrollTo(0, 0)");
      await page.screenshot({ path: path.join(root, "docs", "dashboard.png"), fullPage: true });
    }
  });

  it("asks for a function key once when the API wants one and sends it as x-functions-key", async () => {
    const keyed = await browser?.newPage();
    if (!keyed) throw new Error("no browser");
    const sent: string[] = [];
    // Stands in for Azure's key check (the local runtime enforces no keys, like Core Tools).
    await keyed.route("**/api/**", async (route) => {
      if (route.request().url().includes("/api/dashboard")) return route.continue();
      const key = route.request().headers()["x-functions-key"];
      sent.push(key ?? "");
      if (key !== "the-key") return route.fulfill({ status: 401, body: "" });
      return route.continue();
    });
    await keyed.goto(`${app?.base}/dashboard`);
    const dialog = keyed.getByRole("dialog", { name: "Function key" });
    await visible(dialog);
    await dialog.getByLabel("Key", { exact: true }).fill("the-key");
    await dialog.getByRole("button", { name: "Use this key" }).click();
    await visible(keyed.getByRole("article", { name: DEMO, exact: true }));
    expect(sent.filter((k) => k === "").length).toBeGreaterThanOrEqual(1);
    expect(sent.filter((k) => k !== "" && k !== "the-key")).toEqual([]);
    expect(await keyed.evaluate("sessionStorage.getItem('diskBackupFunctionKey')")).toBe("the-key");
    expect(await keyed.evaluate("localStorage.getItem('diskBackupFunctionKey')")).toBeNull();
    await keyed.close();
  });
});

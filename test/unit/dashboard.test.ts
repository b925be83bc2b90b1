// The dashboard's files and the runs view: only the listed assets are served, with their types and a
// content security policy that allows nothing but this origin; the page holds no data (no URLs, no keys,
// no inline script); GET /api/runs keeps the app's procedures, newest first, bounded.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { dashboardAsset, dashboardAssets, dashboardFolder } from "../../src/api/dashboard";
import { MAX_RUNS, runsView } from "../../src/api/runs";

const folder = path.resolve(__dirname, "../../src/dashboard");

describe("dashboard assets", () => {
  it("are found from the sources and from the build output alike", () => {
    expect(dashboardFolder(path.resolve(__dirname, "../../src/api"))).toBe(folder);
    expect(dashboardFolder(path.resolve(__dirname, "../../dist/src/api"))).toBe(folder);
  });

  it("serve the page for the bare route and each listed file with its type, nothing else", () => {
    const page = dashboardAsset(undefined, folder);
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(page.body).toContain('<script type="module" src="dashboard/dashboard.js"></script>');
    expect(page.headers["content-security-policy"]).toMatch(/default-src 'none'; script-src 'self'/);
    expect(page.headers["content-security-policy"]).toContain("connect-src 'self'");
    expect(dashboardAsset("dashboard.js", folder).headers["content-type"]).toBe(
      "text/javascript; charset=utf-8",
    );
    expect(dashboardAsset("dashboard.css", folder).headers["content-type"]).toBe("text/css; charset=utf-8");
    expect(dashboardAssets(folder)).toEqual(
      expect.arrayContaining(["index.html", "dashboard.js", "api.js", "dashboard.css", "icon.svg"]),
    );
    expect(dashboardAsset("api.js", folder).status).toBe(200);
    for (const name of [
      "../package.json",
      "..",
      "index.htm",
      "dashboard.js.map",
      "%2e%2e",
      "README.md",
      ".x.js",
    ]) {
      expect(dashboardAsset(name, folder).status).toBe(404);
    }
  });

  it("hold no data: no URL but the SVG namespace, no inline script or style, no key", () => {
    for (const name of dashboardAssets(folder)) {
      const text = readFileSync(path.join(folder, name), "utf8");
      const urls = [...text.matchAll(/https?:\/\/[^\s"'`)]+/g)].map((m) => m[0]);
      expect({ name, urls: urls.filter((u) => u !== "http://www.w3.org/2000/svg") }).toEqual({
        name,
        urls: [],
      });
      expect(text).not.toMatch(/127\.0\.0\.1|devstoreaccount|blob\.core\.windows\.net/);
    }
    const html = readFileSync(path.join(folder, "index.html"), "utf8");
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(html).not.toMatch(/\sstyle=|<style/);
    expect(html).not.toMatch(/\son[a-z]+=/);
  });
});

describe("runsView", () => {
  it("keeps the app's procedures (and retention ones), newest first, at most MAX_RUNS", () => {
    const records = [
      {
        name: "backupRun",
        instanceId: "a",
        runtimeStatus: "Completed",
        createdTime: new Date("2026-01-01T00:00:00Z"),
      },
      { name: "restoreDisk", instanceId: "b", runtimeStatus: "Running", createdTime: "2026-01-02T00:00:00Z" },
      { name: "somethingElse", instanceId: "c", createdTime: "2026-01-03T00:00:00Z" },
      { name: "retentionRun", instanceId: "d", createdTime: "2026-01-01T12:00:00Z", output: { deleted: 1 } },
    ];
    const { runs } = runsView(records);
    expect(runs.map((r) => r.instanceId)).toEqual(["b", "d", "a"]);
    expect(runs[2]).toEqual({
      instanceId: "a",
      name: "backupRun",
      runtimeStatus: "Completed",
      createdTime: "2026-01-01T00:00:00.000Z",
      lastUpdatedTime: "",
      input: null,
      customStatus: null,
      output: null,
    });
    const many = Array.from({ length: MAX_RUNS + 5 }, (_, i) => ({
      name: "backupDisk",
      instanceId: `x${i}`,
      createdTime: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
    }));
    const bounded = runsView(many).runs;
    expect(bounded).toHaveLength(MAX_RUNS);
    expect(bounded[0]?.instanceId).toBe(`x${MAX_RUNS + 4}`);
  });
});

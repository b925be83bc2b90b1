// npm start's settings resolution and the loader's package.json "main" globs, on temporary folders.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { resolveEntryFiles } from "../../local/host/appLoader";
import { readHostConfig, resolveSettingExpression } from "../../local/host/hostConfig";
import { resolveSettings } from "../../local/start";

const made: string[] = [];
function tempRoot(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "rt-"));
  made.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("settings", () => {
  it("prefers local.settings.json, falls back to the sample, and lets the environment override", () => {
    const root = tempRoot();
    writeFileSync(
      path.join(root, "local.settings.sample.json"),
      JSON.stringify({ Values: { A: "sample", B: "b" } }),
    );
    expect(resolveSettings(root, {}).settings).toEqual({ A: "sample", B: "b" });
    writeFileSync(path.join(root, "local.settings.json"), JSON.stringify({ Values: { A: "own" } }));
    expect(resolveSettings(root, {}).settings).toEqual({ A: "own" });
    expect(resolveSettings(root, { A: "env" }).settings).toEqual({ A: "env" });
  });

  it("resolves %SETTING% expressions in host.json and rejects unknown settings", () => {
    const root = tempRoot();
    const hostJson = {
      extensions: {
        http: { routePrefix: "" },
        durableTask: { hubName: "%HUB%", maxConcurrentActivityFunctions: 3 },
      },
    };
    writeFileSync(path.join(root, "host.json"), JSON.stringify(hostJson));
    expect(readHostConfig(root, { HUB: "myhub" })).toEqual({
      routePrefix: "",
      hubName: "myhub",
      maxConcurrentActivityFunctions: 3,
      maxConcurrentOrchestratorFunctions: 20,
    });
    expect(() => resolveSettingExpression("%NOPE%", {})).toThrow(/NOPE/);
  });
});

describe("entry files", () => {
  it("expands package.json main globs like the worker", () => {
    const root = tempRoot();
    mkdirSync(path.join(root, "dist/functions/nested"), { recursive: true });
    for (const f of ["a.js", "b.js", "c.js.map", "nested/d.js"])
      writeFileSync(path.join(root, "dist/functions", f), "");
    writeFileSync(path.join(root, "package.json"), JSON.stringify({ main: "dist/functions/*.js" }));
    expect(resolveEntryFiles(root).map((f) => path.relative(root, f))).toEqual([
      "dist/functions/a.js",
      "dist/functions/b.js",
    ]);
    writeFileSync(path.join(root, "package.json"), JSON.stringify({ main: "dist/**/*.js" }));
    expect(resolveEntryFiles(root)).toHaveLength(3);
  });
});

// Starts the local runtime on the compiled fixture app (dist/test/fixtures/runtime-app) for the
// runtime tests, and small HTTP helpers to drive it the way a user would.
import { existsSync } from "node:fs";
import path from "node:path";
import { type LocalHostOptions, type RunningHost, startLocalHost } from "../../local/host/index";

const root = path.resolve(__dirname, "../..");
const compiled = path.join(root, "dist/test/fixtures/runtime-app");
const FILES = ["probes.js", "activities.js", "orchestrations.js", "http.js", "timer.js", "backupRun.js"];

export function fixtureEntryFiles(): string[] {
  const files = FILES.map((f) => path.join(compiled, f));
  if (!files.every((f) => existsSync(f)))
    throw new Error("Build first: npx tsc -p . (fixture app not compiled)");
  return files;
}

export interface FixtureHost extends RunningHost {
  logs: string[];
}

export async function startFixtureHost(extra: Partial<LocalHostOptions> = {}): Promise<FixtureHost> {
  const logs: string[] = [];
  const host = await startLocalHost({
    appRoot: path.join(root, "test/fixtures/runtime-app"),
    entryFiles: fixtureEntryFiles(),
    port: 0,
    settings: { FIXTURE_HUB: "fixturehub", TICK_SCHEDULE: "*/1 * * * * *", ...(extra.settings ?? {}) },
    log: (line) => logs.push(line),
    ...extra,
  });
  return Object.assign(host, { logs });
}

export async function call(
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; headers: Headers; json: unknown; text: string }> {
  const response = await fetch(url, init);
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, json, text };
}

export interface Status {
  runtimeStatus: string;
  output: unknown;
  customStatus: unknown;
  input: unknown;
  historyEvents?: Record<string, unknown>[];
}

/** Polls the public status URL until the instance leaves the running states (bounded). */
export async function waitForStatus(statusUrl: string, done = isFinal, timeoutMs = 30_000): Promise<Status> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { json } = await call(statusUrl);
    const status = json as Status | undefined;
    if (status && done(status)) return status;
    if (Date.now() > deadline)
      throw new Error(`Timed out waiting on ${statusUrl}: ${JSON.stringify(status)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function isFinal(status: Status): boolean {
  return ["Completed", "Failed", "Terminated"].includes(status.runtimeStatus);
}

/** Starts an orchestration through the fixture's HTTP starter; returns the check-status payload. */
export async function startViaHttp(
  host: RunningHost,
  name: string,
  input: unknown,
  instanceId?: string,
): Promise<Record<string, string>> {
  const url = `${host.baseUrl}/api/orchestrators/${name}${instanceId ? `/${instanceId}` : ""}`;
  const res = await call(url, { method: "POST", body: input === undefined ? "" : JSON.stringify(input) });
  if (res.status !== 202) throw new Error(`start ${name} answered ${res.status}: ${res.text}`);
  return res.json as Record<string, string>;
}

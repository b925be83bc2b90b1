// HTTP functions and timers through the local runtime: route templates (parameters, optional parts,
// constraints, catch-all), methods, 404/405, bodies, headers and cookies, hooks, and the timer trigger.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, type FixtureHost, startFixtureHost } from "./fixtureHost";

let host: FixtureHost;

beforeAll(async () => {
  host = await startFixtureHost();
});
afterAll(async () => {
  await host?.stop();
});

describe("HTTP functions", () => {
  it("binds route parameters, optional parameters and the query", async () => {
    expect((await call(`${host.baseUrl}/api/hello/ada?q=x`)).json).toEqual({ hello: "ada", q: "x" });
    expect((await call(`${host.baseUrl}/api/hello`)).json).toEqual({ hello: "world", q: null });
    expect((await call(`${host.baseUrl}/api/HELLO/Bob`)).json).toEqual({ hello: "Bob", q: null });
  });

  it("picks routes by constraint and answers 404 when none matches", async () => {
    expect((await call(`${host.baseUrl}/api/items/42`)).json).toEqual({ id: 42, method: "GET" });
    expect((await call(`${host.baseUrl}/api/items/42`, { method: "PUT" })).json).toEqual({
      id: 42,
      method: "PUT",
    });
    expect((await call(`${host.baseUrl}/api/items/widget`)).json).toEqual({ name: "widget" });
    expect((await call(`${host.baseUrl}/api/items/w1dget`)).status).toBe(404);
    expect((await call(`${host.baseUrl}/api/nothing-here`)).status).toBe(404);
    expect((await call(`${host.baseUrl}/hello/ada`)).status).toBe(404);
  });

  it("captures catch-all parameters", async () => {
    expect((await call(`${host.baseUrl}/api/files/a/b/c.txt`)).json).toEqual({ path: "a/b/c.txt" });
    expect((await call(`${host.baseUrl}/api/files`)).json).toEqual({ path: "" });
  });

  it("answers 405 for a known route with another method", async () => {
    expect((await call(`${host.baseUrl}/api/hello/ada`, { method: "DELETE" })).status).toBe(405);
    expect((await call(`${host.baseUrl}/api/items/7`, { method: "POST" })).status).toBe(405);
  });

  it("passes bodies and headers in and status, headers, cookies and bytes out", async () => {
    const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) % 256);
    const response = await fetch(`${host.baseUrl}/api/echo`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: bytes,
    });
    expect(response.status).toBe(201);
    expect(response.headers.get("x-echo-type")).toBe("application/octet-stream");
    expect(response.headers.get("set-cookie")).toBe("seen=yes; HttpOnly");
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(bytes);
  });

  it("runs preInvocation and postInvocation hooks around every invocation", async () => {
    const before = (await call(`${host.baseUrl}/api/probes`)).json as {
      hookCalls: { pre: number; post: number };
    };
    await call(`${host.baseUrl}/api/hello`);
    const after = (await call(`${host.baseUrl}/api/probes`)).json as {
      hookCalls: { pre: number; post: number };
    };
    // The first probes call itself finishes its post hook after its response body was built.
    expect(after.hookCalls.pre - before.hookCalls.pre).toBe(2);
    expect(after.hookCalls.post).toBeGreaterThanOrEqual(before.hookCalls.post + 1);
  });
});

describe("timer trigger", () => {
  it("resolves %SETTING% schedules, runs on startup and never overlaps itself", async () => {
    // The timer fires every second but each run takes 1.2 s: runs must queue, never overlap.
    let probes = { timerRuns: 0, timerMaxInFlight: 0, timerPastDue: [] as boolean[] };
    for (let i = 0; i < 100 && probes.timerRuns < 3; i++) {
      await new Promise((r) => setTimeout(r, 100));
      probes = (await call(`${host.baseUrl}/api/probes`)).json as typeof probes;
    }
    expect(probes.timerRuns).toBeGreaterThanOrEqual(3);
    expect(probes.timerMaxInFlight).toBe(1);
    expect(probes.timerPastDue[0]).toBe(false);
    expect(host.logs.some((l) => /^Executed 'tick' Succeeded in \d+ms$/.test(l))).toBe(true);
  });

  it("runs a timer on demand through the admin endpoint", async () => {
    expect((await call(`${host.baseUrl}/admin/functions/tick`, { method: "POST" })).status).toBe(202);
    expect((await call(`${host.baseUrl}/admin/functions/nope`, { method: "POST" })).status).toBe(404);
  });
});

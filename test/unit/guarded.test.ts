// An unexpected failure of an HTTP handler answers 500 in the API's error shape without the error's text
// (an error chain can carry hosts, names or credential details): the log keeps it, under the invocation id.
import { InvocationContext } from "@azure/functions";
import { describe, expect, it } from "vitest";
import { guarded } from "../../src/functions/guarded";

describe("guarded HTTP handlers", () => {
  it("answers 500 naming the invocation, never the error, and logs the error", async () => {
    const logged: string[] = [];
    const context = new InvocationContext({
      invocationId: "inv-123",
      logHandler: (_level, ...args) => logged.push(args.map(String).join(" ")),
    });
    const response = await guarded(context, async () => {
      throw new Error("token for https://evil.example/x failed: AADSTS700016 secret-ish detail");
    });
    expect(response.status).toBe(500);
    const body = JSON.stringify(response.jsonBody);
    expect(body).toContain("InternalError");
    expect(body).toContain("inv-123");
    expect(body).not.toMatch(/evil|AADSTS|secret/);
    expect(logged.join("\n")).toMatch(/inv-123 failed: .*AADSTS700016/);
  });

  it("passes a handler's own response through", async () => {
    const context = new InvocationContext({ invocationId: "inv-1" });
    expect(await guarded(context, async () => ({ status: 204 }))).toEqual({ status: 204 });
  });
});

// Route templates as the Functions host interprets them (ASP.NET syntax).
import { describe, expect, it } from "vitest";
import { compileRoute, satisfiesConstraint } from "../../local/host/http/routeTemplate";

describe("route templates", () => {
  it("matches literals case-insensitively and binds parameters", () => {
    const route = compileRoute("api/disks/{diskId}/restore-points");
    expect(route.match("/api/disks/d1/restore-points")).toEqual({ diskId: "d1" });
    expect(route.match("/API/Disks/d%201/restore-points/")).toEqual({ diskId: "d 1" });
    expect(route.match("/api/disks/d1")).toBeUndefined();
  });

  it("handles optional parameters, defaults and catch-alls", () => {
    expect(compileRoute("api/o/{name}/{id?}").match("/api/o/x")).toEqual({ name: "x" });
    expect(compileRoute("api/o/{name}/{id?}").match("/api/o/x/7")).toEqual({ name: "x", id: "7" });
    expect(compileRoute("api/p/{page=1}").match("/api/p")).toEqual({ page: "1" });
    expect(compileRoute("api/f/{*rest}").match("/api/f/a/b")).toEqual({ rest: "a/b" });
    expect(compileRoute("api/f/{name}.{ext}").match("/api/f/disk.vhd")).toEqual({ name: "disk", ext: "vhd" });
  });

  it("applies inline constraints", () => {
    expect(compileRoute("api/i/{id:int}").match("/api/i/12")).toEqual({ id: "12" });
    expect(compileRoute("api/i/{id:int}").match("/api/i/x")).toBeUndefined();
    expect(compileRoute("api/i/{n:alpha:maxlength(3)}").match("/api/i/abcd")).toBeUndefined();
    expect(satisfiesConstraint("5", "range(1,5)")).toBe(true);
    expect(satisfiesConstraint("6", "range(1,5)")).toBe(false);
    expect(satisfiesConstraint("3f2504e0-4f89-11d3-9a0c-0305e82c3301", "guid")).toBe(true);
    expect(satisfiesConstraint("ab12", "regex(^[a-z]+\\d+$)")).toBe(true);
  });

  it("ranks literal segments above parameters above catch-alls", () => {
    const literal = compileRoute("api/items/special");
    const param = compileRoute("api/items/{id}");
    const all = compileRoute("api/{*rest}");
    expect(literal.precedence).toBeGreaterThan(param.precedence);
    expect(param.precedence).toBeGreaterThan(all.precedence);
  });
});

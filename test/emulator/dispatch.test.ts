// The emulator's remembered blob dispatch (local/emulator/requestParsing.ts) chooses the operation
// Azurite's own dispatch chooses, cold and warm, for requests that differ only in what the dispatch
// reads (a query value, a header's value or presence, the method, the path's shape), and remembers
// nothing for a request Azurite cannot dispatch.
import { describe, expect, it } from "vitest";
import { cacheRequestParsing } from "../../local/emulator/requestParsing";

type Dispatch = (
  context: { dispatchPattern?: string; operation?: number },
  req: unknown,
  next: (error?: unknown) => void,
  logger: unknown,
) => void;

const base = "azurite/dist/src/blob/generated";
const dispatchModule = require(`${base}/middleware/dispatch.middleware`) as { default: Dispatch };
const operations = (require(`${base}/artifacts/operation`) as { default: Record<number, string> }).default;
const azurites = dispatchModule.default;
cacheRequestParsing();
const remembered = dispatchModule.default;
const logger = { verbose() {}, info() {}, error() {} };

interface Sample {
  method: string;
  pattern: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
}

function run(dispatch: Dispatch, sample: Sample): { operation: string | undefined; failed: boolean } {
  const headers = new Map(Object.entries(sample.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const req = {
    getMethod: () => sample.method,
    getHeader: (name: string) => headers.get(name.toLowerCase()),
    getQuery: (name: string) => sample.query?.[name],
  };
  const context: { dispatchPattern?: string; operation?: number } = { dispatchPattern: sample.pattern };
  let failed = false;
  dispatch(
    context,
    req,
    (error) => {
      failed = error !== undefined;
    },
    logger,
  );
  return { operation: context.operation === undefined ? undefined : operations[context.operation], failed };
}

const blob = "/container/blob";
const container = "/container";
const length = { "Content-Length": "0" };
const samples: Sample[] = [
  { method: "PUT", pattern: container, query: { restype: "container" } },
  { method: "PUT", pattern: container, query: { restype: "container", comp: "metadata" } },
  {
    method: "PUT",
    pattern: container,
    query: { restype: "container", comp: "lease" },
    headers: { "x-ms-lease-action": "acquire" },
  },
  { method: "GET", pattern: container, query: { restype: "container", comp: "list" } },
  { method: "GET", pattern: container, query: { restype: "container" } },
  { method: "GET", pattern: "/", query: { comp: "list" } },
  { method: "GET", pattern: blob },
  { method: "HEAD", pattern: blob },
  { method: "DELETE", pattern: blob },
  { method: "GET", pattern: blob, query: { comp: "pagelist" } },
  { method: "GET", pattern: blob, query: { comp: "pagelist", prevsnapshot: "2026-12-03T00:00:00Z" } },
  { method: "PUT", pattern: blob, query: { comp: "metadata" } },
  { method: "PUT", pattern: blob, query: { comp: "snapshot" } },
  ...["acquire", "release", "renew", "break", "change"].map((action) => ({
    method: "PUT",
    pattern: blob,
    query: { comp: "lease" },
    headers: { "x-ms-lease-action": action },
  })),
  {
    method: "PUT",
    pattern: blob,
    headers: { ...length, "x-ms-blob-type": "PageBlob", "x-ms-blob-content-length": "512" },
  },
  { method: "PUT", pattern: blob, headers: { ...length, "x-ms-blob-type": "BlockBlob" } },
  { method: "PUT", pattern: blob, headers: { ...length, "x-ms-copy-source": "http://127.0.0.1/a/b/c" } },
  {
    method: "PUT",
    pattern: blob,
    query: { comp: "page" },
    headers: { ...length, "x-ms-page-write": "update" },
  },
  {
    method: "PUT",
    pattern: blob,
    query: { comp: "page" },
    headers: { ...length, "x-ms-page-write": "clear" },
  },
  {
    method: "PUT",
    pattern: blob,
    query: { comp: "page" },
    headers: {
      ...length,
      "x-ms-page-write": "update",
      "x-ms-copy-source": "http://127.0.0.1/a/b/c",
      "x-ms-source-range": "bytes=0-511",
      "x-ms-range": "bytes=0-511",
    },
  },
  {
    method: "PUT",
    pattern: blob,
    query: { comp: "properties" },
    headers: { "x-ms-blob-content-length": "1024" },
  },
  { method: "PUT", pattern: blob, query: { comp: "properties" } },
  { method: "PUT", pattern: blob, query: { comp: "nonsense" } },
  { method: "PATCH", pattern: blob },
];

describe("remembered blob dispatch", () => {
  it("is installed", () => {
    expect(remembered).not.toBe(azurites);
  });

  it("chooses Azurite's operation for each request, cold and warm, and remembers no failure", () => {
    const expected = samples.map((s) => run(azurites, s));
    // Several operations and a refusal among them: the samples exercise what the dispatch reads.
    expect(new Set(expected.map((e) => e.operation)).size).toBeGreaterThan(20);
    expect(expected.some((e) => e.failed)).toBe(true);
    for (let round = 0; round < 3; round++) {
      expect(samples.map((s) => run(remembered, s))).toEqual(expected);
    }
    // In reverse order too (a key remembered from one request must not answer another).
    expect([...samples].reverse().map((s) => run(remembered, s))).toEqual([...expected].reverse());
  });
});

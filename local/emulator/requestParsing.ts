// Azurite parses the same parts of a request again and again: its dispatch matches the path against
// every operation's URI template, parsing each template anew, and every getQuery call re-parses the
// whole query string (Express's `req.query` is a getter). Under small copies these were about a tenth
// of the emulator's thread. Parsed templates are constants and a request's query does not change
// while it is served, so each is parsed once. Deep patches, pinned with azurite 3.37.0 (azurite.ts).
import Module from "node:module";
import { dirname } from "node:path";

type UriTemplateFactory = (template: string) => unknown;

/** Azurite's templates number in the hundreds; anything past this is not one of them and is not kept. */
const MAX_TEMPLATES = 2048;

/** Before Azurite's modules load: its `require("uri-templates")` then returns parsed templates from a cache. */
function cacheUriTemplates(): void {
  const azuriteDir = dirname(require.resolve("azurite/package.json"));
  const resolved = require.resolve("uri-templates", { paths: [azuriteDir] });
  const loaded = require.cache[resolved];
  if (loaded !== undefined && (loaded.exports as { cached?: boolean }).cached) return;
  const parse = require(resolved) as UriTemplateFactory;
  const parsed = new Map<string, unknown>();
  const cached = Object.assign(
    (template: string) => {
      let value = parsed.get(template);
      if (value === undefined) {
        value = parse(template);
        if (parsed.size < MAX_TEMPLATES) parsed.set(template, value);
      }
      return value;
    },
    { cached: true },
  );
  const module = new Module(resolved);
  module.filename = resolved;
  module.loaded = true;
  module.exports = cached;
  require.cache[resolved] = module;
}

interface RequestAdapter {
  req: { url: string; query: Record<string, unknown> };
  getQuery(key: string): string | undefined;
}

type ExpressRequest = RequestAdapter["req"];

// Keyed by the request: Azurite wraps one request in several adapters.
const parsedQueries = new WeakMap<ExpressRequest, { url: string; query: Record<string, unknown> }>();

/** The blob and table request adapters keep their request's parsed query (parsed again if the URL changes). */
function cacheParsedQueries(): void {
  for (const path of [
    "azurite/dist/src/blob/generated/ExpressRequestAdapter",
    "azurite/dist/src/table/generated/ExpressRequestAdapter",
  ]) {
    const adapter = (require(path) as { default: { prototype: RequestAdapter } }).default.prototype;
    if ((adapter.getQuery as { cached?: boolean }).cached) continue;
    adapter.getQuery = Object.assign(
      function getQuery(this: RequestAdapter, key: string): string | undefined {
        let parsed = parsedQueries.get(this.req);
        if (parsed === undefined || parsed.url !== this.req.url) {
          parsed = { url: this.req.url, query: this.req.query };
          parsedQueries.set(this.req, parsed);
        }
        const value = parsed.query[key];
        return typeof value === "string" ? value : undefined;
      },
      { cached: true },
    );
  }
}

/** Installs both caches; call before Azurite's servers are created (idempotent). */
export function cacheRequestParsing(): void {
  cacheUriTemplates();
  cacheParsedQueries();
}

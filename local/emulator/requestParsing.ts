// Azurite parses the same parts of a request again and again: its dispatch matches the path against
// every operation's URI template, parsing each template anew, and every getQuery call re-parses the
// whole query string (Express's `req.query` is a getter). Under small copies these were about a tenth
// of the emulator's thread. Parsed templates are constants and a request's query does not change
// while it is served, so each is parsed once. And the blob dispatch's answer is remembered by what it
// reads (below): with many small requests, matching ~70 operations each time was ~7% of the thread.
// Deep patches, pinned with azurite 3.37.0 (azurite.ts).
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

/** Installs the caches; call before Azurite's servers are created (idempotent). */
export function cacheRequestParsing(): void {
  cacheUriTemplates();
  cacheParsedQueries();
  cacheBlobDispatch();
}

interface DispatchRequest {
  getMethod(): string;
  getHeader(name: string): string | undefined;
  getQuery(name: string): string | undefined;
}
interface DispatchContext {
  dispatchPattern?: string;
  operation?: number;
}
type Dispatch = (
  context: DispatchContext,
  req: DispatchRequest,
  next: (error?: unknown) => void,
  logger: unknown,
) => void;
interface ParameterSpec {
  mapper: { required?: boolean; serializedName?: string; isConstant?: boolean; type: { name: string } };
}
interface OperationSpec {
  queryParameters?: ParameterSpec[];
  headerParameters?: ParameterSpec[];
}

/** Distinct dispatch keys kept; valid requests make a few dozen, the rest is not remembered. */
const MAX_DISPATCH_KEYS = 4096;

/**
 * The names Azurite's dispatch reads, each with whether its value matters (an enum or a constant is
 * compared) or only its presence: with the method and the path's shape, all the dispatch depends on.
 */
function dispatchInputs(specs: Record<number, OperationSpec | undefined>) {
  const query = new Map<string, boolean>();
  const headers = new Map<string, boolean>();
  const note = (names: Map<string, boolean>, parameters: ParameterSpec[] = []) => {
    for (const { mapper } of parameters) {
      if (!mapper.required) continue;
      const name = mapper.serializedName ?? "";
      const valued = mapper.type.name === "Enum" || mapper.isConstant === true;
      names.set(name, (names.get(name) ?? false) || valued);
    }
  };
  for (const spec of Object.values(specs)) {
    note(query, spec?.queryParameters);
    note(headers, spec?.headerParameters);
  }
  return { query: [...query], headers: [...headers] };
}

/** The blob dispatch remembers the operation it chose for each key of what it reads (exact, not a guess). */
function cacheBlobDispatch(): void {
  const base = "azurite/dist/src/blob/generated";
  const module = require(`${base}/middleware/dispatch.middleware`) as {
    default: Dispatch & { cached?: boolean };
  };
  if (module.default.cached) return;
  const dispatch = module.default;
  const specs = (require(`${base}/artifacts/specifications`) as { default: Record<number, OperationSpec> })
    .default;
  const inputs = dispatchInputs(specs);
  const read = (value: string | undefined, valued: boolean) =>
    value === undefined ? "-" : valued ? `=${value}` : "+";
  const chosen = new Map<string, number>();
  module.default = Object.assign(
    function cachedDispatch(
      context: DispatchContext,
      req: DispatchRequest,
      next: (error?: unknown) => void,
      logger: unknown,
    ) {
      const pattern = context.dispatchPattern;
      if (pattern === undefined) return dispatch(context, req, next, logger);
      const key = JSON.stringify([
        req.getMethod(),
        req.getHeader("X-HTTP-Method") ?? "",
        pattern,
        ...inputs.query.map(([name, valued]) => read(req.getQuery(name), valued)),
        ...inputs.headers.map(([name, valued]) => read(req.getHeader(name), valued)),
      ]);
      const operation = chosen.get(key);
      if (operation !== undefined) {
        context.operation = operation;
        return next();
      }
      dispatch(
        context,
        req,
        (error?: unknown) => {
          if (error === undefined && context.operation !== undefined && chosen.size < MAX_DISPATCH_KEYS) {
            chosen.set(key, context.operation);
          }
          next(error);
        },
        logger,
      );
    },
    { cached: true },
  );
}

// Azurite dispatches every request by matching its path against each operation's URI template, and
// parses every template again for every request (uri-templates' constructor: about 5% of the emulator's
// thread under small Put Page From URL copies). The templates are Azurite's constants and a parsed
// template is immutable, so each is parsed once.
import Module from "node:module";
import { dirname } from "node:path";

type UriTemplateFactory = (template: string) => unknown;

/** Azurite's templates number in the hundreds; anything past this is not one of them and is not kept. */
const MAX_TEMPLATES = 2048;

/** Before Azurite's modules load: its `require("uri-templates")` then returns parsed templates from a cache. */
export function cacheUriTemplates(): void {
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

// ASP.NET-style route templates as the Functions host uses them: literals, {param}, {param?},
// {param=default}, {*catchAll} and inline constraints such as {id:int} or {name:alpha:maxlength(8)}.

interface RouteParameter {
  name: string;
  optional: boolean;
  catchAll: boolean;
  defaultValue: string | undefined;
  constraints: string[];
}

export interface CompiledRoute {
  template: string;
  /** Higher is more specific: literal segments beat parameters, catch-alls come last. */
  precedence: number;
  match(path: string): Record<string, string> | undefined;
}

const PARAM = /\{([^{}]+)\}/g;

function parseParameter(body: string): RouteParameter {
  let text = body;
  const catchAll = text.startsWith("*");
  if (catchAll) text = text.replace(/^\*+/, "");
  let defaultValue: string | undefined;
  const eq = text.indexOf("=");
  if (eq >= 0) {
    defaultValue = text.slice(eq + 1);
    text = text.slice(0, eq);
  }
  const optional = text.endsWith("?");
  if (optional) text = text.slice(0, -1);
  const [name = "", ...constraints] = splitConstraints(text);
  return { name, optional: optional || defaultValue !== undefined, catchAll, defaultValue, constraints };
}

/** Splits "id:int:range(1,5)" at colons that are not inside parentheses. */
function splitConstraints(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of text) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === ":" && depth === 0) {
      parts.push(current);
      current = "";
    } else current += ch;
  }
  parts.push(current);
  return parts;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export function satisfiesConstraint(value: string, constraint: string): boolean {
  const m = /^(\w+)(?:\((.*)\))?$/s.exec(constraint);
  if (!m) return true;
  const kind = (m[1] ?? "").toLowerCase();
  const arg = m[2] ?? "";
  const num = Number(value);
  const args = arg.split(",").map((a) => Number(a.trim()));
  switch (kind) {
    case "int":
    case "long":
      return /^-?\d+$/.test(value);
    case "double":
    case "decimal":
    case "float":
      return value.trim() !== "" && Number.isFinite(num);
    case "bool":
      return /^(true|false)$/i.test(value);
    case "guid":
      return /^[{(]?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}[)}]?$/i.test(value);
    case "alpha":
      return /^[a-z]*$/i.test(value);
    case "datetime":
      return !Number.isNaN(Date.parse(value));
    case "minlength":
      return value.length >= (args[0] ?? 0);
    case "maxlength":
      return value.length <= (args[0] ?? Number.POSITIVE_INFINITY);
    case "length":
      return args.length === 2
        ? value.length >= (args[0] ?? 0) && value.length <= (args[1] ?? 0)
        : value.length === args[0];
    case "min":
      return /^-?\d+$/.test(value) && num >= (args[0] ?? 0);
    case "max":
      return /^-?\d+$/.test(value) && num <= (args[0] ?? 0);
    case "range":
      return /^-?\d+$/.test(value) && num >= (args[0] ?? 0) && num <= (args[1] ?? 0);
    case "regex":
      return new RegExp(arg, "i").test(value);
    default:
      return true;
  }
}

export function compileRoute(template: string): CompiledRoute {
  const segments = template.split("/").filter((s) => s !== "");
  const params: RouteParameter[] = [];
  let pattern = "^";
  let precedence = 0;
  for (const segment of segments) {
    const whole = /^\{([^{}]+)\}$/.exec(segment);
    if (whole) {
      const param = parseParameter(whole[1] ?? "");
      params.push(param);
      const capture = param.catchAll ? "(.*)" : "([^/]+)";
      pattern += param.optional || param.catchAll ? `(?:/${capture})?` : `/${capture}`;
      precedence = precedence * 4 + (param.catchAll ? 0 : param.constraints.length > 0 ? 2 : 1);
      continue;
    }
    // A literal, or literals mixed with parameters inside one segment (e.g. "{name}.{ext}").
    let last = 0;
    let part = "";
    for (const m of segment.matchAll(PARAM)) {
      part += escapeRegExp(segment.slice(last, m.index));
      params.push(parseParameter(m[1] ?? ""));
      part += "([^/]+?)";
      last = (m.index ?? 0) + m[0].length;
    }
    part += escapeRegExp(segment.slice(last));
    pattern += `/${part}`;
    precedence = precedence * 4 + 3;
  }
  const regex = new RegExp(`${pattern}/?$`, "i");
  return {
    template,
    precedence: precedence * 16 + segments.length,
    match(path: string) {
      const m = regex.exec(path);
      if (!m) return undefined;
      const values: Record<string, string> = {};
      for (const [i, param] of params.entries()) {
        const raw = m[i + 1];
        const value = raw === undefined || raw === "" ? param.defaultValue : safeDecode(raw);
        if (value === undefined) continue;
        if (!param.constraints.every((c) => satisfiesConstraint(value, c))) return undefined;
        values[param.name] = value;
      }
      return values;
    },
  };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

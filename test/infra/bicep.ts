// A small reader for the parts of our Bicep the consistency tests check: app-settings objects, params,
// module paths, role ids. Not a Bicep parser: it relies on the conventions of infra/ (see the README, "Deploy to Azure").
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

export interface BicepFile {
  path: string; // relative to the repo root, forward slashes
  text: string;
}

export function readBicepFiles(root: string, dir = "infra"): BicepFile[] {
  const files: BicepFile[] = [];
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const full = join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(".bicep")) {
        files.push({ path: relative(root, full).split("\\").join("/"), text: readFileSync(full, "utf8") });
      }
    }
  };
  walk(join(root, dir));
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

/** Index just past the `}` or `]` closing the bracket at `open`; skips strings and // comments. */
export function matchingBracket(text: string, open: number): number {
  const pairs: Record<string, string> = { "{": "}", "[": "]", "(": ")" };
  const stack: string[] = [];
  let i = open;
  while (i < text.length) {
    const c = text[i] ?? "";
    if (text.startsWith("'''", i)) {
      const end = text.indexOf("'''", i + 3);
      if (end < 0) throw new Error(`unterminated multi-line string at ${i}`);
      i = end + 3;
      continue;
    }
    if (c === "'") {
      i += 1;
      while (i < text.length && text[i] !== "'") i += text[i] === "\\" ? 2 : 1;
      i += 1;
      continue;
    }
    if (text.startsWith("//", i)) {
      const end = text.indexOf("\n", i);
      i = end < 0 ? text.length : end;
      continue;
    }
    const close = pairs[c];
    if (close !== undefined) stack.push(close);
    else if (c === "}" || c === "]" || c === ")") {
      if (stack.pop() !== c) throw new Error(`unbalanced '${c}' at ${i}`);
      if (stack.length === 0) return i + 1;
    }
    i += 1;
  }
  throw new Error(`no closing bracket for position ${open}`);
}

/** The top-level keys of the object literal whose `{` is at `open` (nested objects are skipped). */
export function objectKeys(text: string, open: number): string[] {
  const end = matchingBracket(text, open);
  const keys: string[] = [];
  let i = open + 1;
  while (i < end - 1) {
    const rest = text.slice(i, end - 1);
    const key = /^\s*(?:\/\/[^\n]*\n\s*)*(?:([A-Za-z_][A-Za-z0-9_]*)|'((?:[^'\\]|\\.)*)')\s*:/.exec(rest);
    if (key === null) break;
    keys.push(key[1] ?? key[2] ?? "");
    i += key[0].length;
    // Skip the value: up to the next newline or comma at this depth.
    while (i < end - 1) {
      const c = text[i] ?? "";
      if (text.startsWith("//", i)) {
        const eol = text.indexOf("\n", i);
        i = eol < 0 ? end - 1 : eol;
        continue;
      }
      if (c === "{" || c === "[" || c === "(" || c === "'") {
        i = c === "'" ? skipString(text, i) : matchingBracket(text, i);
        continue;
      }
      i += 1;
      if (c === "\n" || c === ",") break;
    }
  }
  return keys;
}

function skipString(text: string, start: number): number {
  if (text.startsWith("'''", start)) return text.indexOf("'''", start + 3) + 3;
  let i = start + 1;
  while (i < text.length && text[i] !== "'") i += text[i] === "\\" ? 2 : 1;
  return i + 1;
}

export interface SettingsBlock {
  file: string;
  variable: string;
  names: string[];
}

/**
 * Every `var <name>AppSettings = ...{...}` block: the app settings are built only from such variables.
 * For `cond ? { ... } : {}` the first object (the populated branch) is read.
 */
export function appSettingsBlocks(files: BicepFile[]): SettingsBlock[] {
  const blocks: SettingsBlock[] = [];
  for (const file of files) {
    for (const match of file.text.matchAll(/^var\s+([A-Za-z0-9_]*AppSettings)\s*=/gm)) {
      const open = file.text.indexOf("{", (match.index ?? 0) + match[0].length);
      if (open < 0) throw new Error(`${file.path}: ${match[1]} has no object literal`);
      blocks.push({ file: file.path, variable: match[1] ?? "", names: objectKeys(file.text, open) });
    }
  }
  return blocks;
}

/** The arguments of `union(...)` in each `name: 'appsettings'` config resource. */
export function appSettingsUnions(files: BicepFile[]): { file: string; variables: string[] }[] {
  const found: { file: string; variables: string[] }[] = [];
  for (const file of files) {
    for (const match of file.text.matchAll(/name:\s*'appsettings'\s*\n\s*properties:\s*union\(/g)) {
      const open = (match.index ?? 0) + match[0].length - 1;
      const inner = file.text.slice(open + 1, matchingBracket(file.text, open) - 1);
      found.push({ file: file.path, variables: inner.split(",").map((v) => v.trim()) });
    }
  }
  return found;
}

/** `param <name> <type> = '<default>'` string defaults (undefined when there is none). */
export function paramDefault(text: string, name: string): string | undefined {
  const match = new RegExp(`^param\\s+${name}\\s+string\\s*=\\s*'((?:[^'\\\\]|\\\\.)*)'`, "m").exec(text);
  return match?.[1];
}

export function paramNames(text: string): string[] {
  return [...text.matchAll(/^param\s+([A-Za-z_][A-Za-z0-9_]*)\s/gm)].map((m) => m[1] ?? "");
}

/** Relative paths of `module x '<path>'` references (registry modules excluded). */
export function modulePaths(text: string): string[] {
  return [...text.matchAll(/^module\s+\w+\s+'([^']+)'/gm)]
    .map((m) => m[1] ?? "")
    .filter((p) => !p.startsWith("br:") && !p.startsWith("br/") && !p.startsWith("ts:"));
}

/** Every GUID-shaped string literal (role definition ids are the only GUIDs our Bicep spells out). */
export function guidLiterals(text: string): string[] {
  return [...text.matchAll(/'([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})'/gi)].map((m) =>
    (m[1] ?? "").toLowerCase(),
  );
}

/** `%NAME%` placeholders in a JSON document (host.json binds settings this way). */
export function placeholders(text: string): string[] {
  return [...new Set([...text.matchAll(/%([A-Za-z_][A-Za-z0-9_]*)%/g)].map((m) => m[1] ?? ""))];
}

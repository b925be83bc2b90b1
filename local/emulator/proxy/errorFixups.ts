// Corrects error codes Azurite spells differently from the service (its InvalidPageRange error
// carries the code "Requested Range Not Satisfiable").
import type { IncomingHttpHeaders } from "node:http";
import { headerValue } from "./httpUtil";

const CODE_FIXES: Record<string, string> = {
  "Requested Range Not Satisfiable": "InvalidPageRange",
};

export function needsErrorFix(status: number, headers: IncomingHttpHeaders): boolean {
  const code = headerValue(headers, "x-ms-error-code");
  return status >= 400 && code !== undefined && CODE_FIXES[code] !== undefined;
}

/** Rewrites the x-ms-error-code header and the <Code> element in place; returns the new body. */
export function fixError(headers: IncomingHttpHeaders, body: Buffer): Buffer {
  const code = headerValue(headers, "x-ms-error-code");
  const fixed = code === undefined ? undefined : CODE_FIXES[code];
  if (code === undefined || fixed === undefined) return body;
  headers["x-ms-error-code"] = fixed;
  const text = body.toString("utf8").replace(`<Code>${code}</Code>`, `<Code>${fixed}</Code>`);
  const out = Buffer.from(text, "utf8");
  if (headers["content-length"] !== undefined) headers["content-length"] = String(out.length);
  return out;
}

// JSON responses and request-body parsing shared by the HTTP functions (DESIGN §7 error shape:
// `{ error: { code, message } }`). Plain objects that fit @azure/functions' HttpResponseInit.

export interface JsonResponse {
  status: number;
  jsonBody: unknown;
  headers?: Record<string, string>;
}

export function json(status: number, body: unknown): JsonResponse {
  return { status, jsonBody: body };
}

export function jsonError(status: number, code: string, message: string): JsonResponse {
  return { status, jsonBody: { error: { code, message } } };
}

export type BodyResult = { ok: true; body: Record<string, unknown> } | { ok: false; response: JsonResponse };

/** An empty body reads as `{}`; anything else must be a JSON object. */
export function parseJsonObject(text: string): BodyResult {
  if (text.trim() === "") return { ok: true, body: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, response: jsonError(400, "InvalidJson", "the request body is not valid JSON") };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, response: jsonError(400, "InvalidBody", "the request body must be a JSON object") };
  }
  return { ok: true, body: value as Record<string, unknown> };
}

// JSON responses and request-body parsing shared by the HTTP functions (the API error shape:
// `{ error: { code, message } }`). Plain objects that fit @azure/functions' HttpResponseInit.

import { fail, ok, type Result } from "../app/result";

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

/** A parsed body, or the 400 response that refuses it. */
export type BodyResult = Result<Record<string, unknown>, JsonResponse>;

/** An empty body reads as `{}`; anything else must be a JSON object. */
export function parseJsonObject(text: string): BodyResult {
  if (text.trim() === "") return ok({});
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return fail(jsonError(400, "InvalidJson", "the request body is not valid JSON"));
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return fail(jsonError(400, "InvalidBody", "the request body must be a JSON object"));
  }
  return ok(value as Record<string, unknown>);
}

// One wrapper for HTTP handlers: an unexpected error becomes a logged 500 with the API's error shape.
// Registers no function: safe to sit among the entry files.
import type { HttpResponseInit, InvocationContext } from "@azure/functions";
import { jsonError } from "../api/responses";
import { messageOf } from "../storage/errors";

export async function guarded(
  context: InvocationContext,
  work: () => Promise<HttpResponseInit>,
): Promise<HttpResponseInit> {
  try {
    return await work();
  } catch (error) {
    context.error(`request failed: ${messageOf(error)}`);
    return jsonError(500, "InternalError", messageOf(error));
  }
}

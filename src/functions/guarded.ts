// One wrapper for HTTP handlers: an unexpected error becomes a 500 with the API's error shape. The body
// names the invocation, never the error itself (an error chain can carry hosts, names or credential
// details); the log has the whole message. Registers no function: safe to sit among the entry files.
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
    context.error(`request ${context.invocationId} failed: ${messageOf(error)}`);
    return jsonError(
      500,
      "InternalError",
      `the request failed unexpectedly; the app's log has the details (invocation ${context.invocationId})`,
    );
  }
}

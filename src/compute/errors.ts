// Classification of Resource Manager failures, as the compute SDK reports them: an initial 4xx/5xx is a
// RestError with the service's code and status; a long-running operation that ends Failed is a plain
// Error whose message alone carries the code (core-lro keeps nothing else), read here and nowhere else.
import { errorCode, statusOf } from "../storage/errors";

const LRO_FAILED = /^The long-running operation has failed\. ([A-Za-z][\w.]*)\. /;

/** HTTP status of a failed Resource Manager call, if it answered. */
export const armStatusOf = (error: unknown): number | undefined => statusOf(error);

/** The service's error code: the body's code, or the code of a failed long-running operation. */
export function armCodeOf(error: unknown): string | undefined {
  const code = errorCode(error);
  if (code !== undefined) return code;
  const message = error instanceof Error ? error.message : "";
  return LRO_FAILED.exec(message)?.[1];
}

/** A failed long-running operation (the request was accepted, the operation ended Failed or Canceled). */
export function isOperationFailure(error: unknown): boolean {
  return error instanceof Error && statusOf(error) === undefined && LRO_FAILED.test(error.message);
}

export const isArmNotFound = (error: unknown): boolean => statusOf(error) === 404;

/** `Retry-After` of a throttled answer in ms (seconds or an HTTP date), or the fallback. */
export function retryAfterMsOf(error: unknown, fallbackMs: number): number {
  const headers = (error as { response?: { headers?: { get?(name: string): string | undefined } } })?.response
    ?.headers;
  const value = headers?.get?.("retry-after");
  if (value === undefined) return fallbackMs;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(1000, seconds * 1000);
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(1000, at - Date.now()) : fallbackMs;
}

const TRANSIENT_CODES = new Set([
  "InternalServerError",
  "InternalExecutionError",
  "ServiceUnavailable",
  "RetryableError",
  "OperationPreempted",
]);
const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "ENOTFOUND",
  "REQUEST_SEND_ERROR",
]);

/** Worth trying again at once (with backoff): server errors, dropped connections, a preempted operation. */
export function isArmTransient(error: unknown): boolean {
  const status = statusOf(error);
  if (status !== undefined) return status === 408 || (status >= 500 && status !== 501 && status !== 505);
  const code = armCodeOf(error);
  if (code !== undefined && (NETWORK_CODES.has(code) || TRANSIENT_CODES.has(code))) return true;
  const name = (error as { name?: unknown })?.name;
  return name === "TimeoutError";
}

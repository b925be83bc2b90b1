// Classification of storage failures: the service error code, and whether a retry can help.
// Shared by the copy engine, diff planning and restore so every layer agrees on what is transient.

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  statusCode?: unknown;
  response?: { headers?: { get?(name: string): string | undefined } };
}

function asErrorLike(error: unknown): ErrorLike {
  return typeof error === "object" && error !== null ? (error as ErrorLike) : {};
}

/** HTTP status of a failed storage call, if the service answered at all. */
export function statusOf(error: unknown): number | undefined {
  const status = asErrorLike(error).statusCode;
  return typeof status === "number" ? status : undefined;
}

/** The storage error code (body `Code` or `x-ms-error-code`), or a network error code such as ECONNRESET. */
export function errorCode(error: unknown): string | undefined {
  const e = asErrorLike(error);
  const header = e.response?.headers?.get?.("x-ms-error-code");
  if (typeof header === "string" && header.length > 0) return header;
  return typeof e.code === "string" ? e.code : undefined;
}

export function isNotFound(error: unknown): boolean {
  return statusOf(error) === 404;
}

const NETWORK_CODES = new Set([
  "ETIMEDOUT",
  "ESOCKETTIMEDOUT",
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "TIMEOUT",
  "REQUEST_SEND_ERROR",
  "PARSE_ERROR",
  "UND_ERR_SOCKET",
]);

/** The service asks us to slow down (AzCopy's pacer reacts to the same signal). */
export function isServerBusy(error: unknown): boolean {
  const status = statusOf(error);
  return status === 503 || status === 429 || errorCode(error) === "ServerBusy";
}

/** Worth retrying: throttling, server errors, server timeouts, dropped connections, our own request timeout. */
export function isTransient(error: unknown): boolean {
  const status = statusOf(error);
  if (status !== undefined)
    return (
      status === 500 || status === 503 || status === 429 || status === 408 || status === 502 || status === 504
    );
  const code = errorCode(error);
  if (code !== undefined && NETWORK_CODES.has(code)) return true;
  const name = asErrorLike(error).name;
  return name === "TimeoutError" || name === "FetchError";
}

/** A Get Page Ranges failure that means the server ran out of time on this range (split it and retry). */
export function isServerTimeout(error: unknown): boolean {
  return (
    errorCode(error) === "OperationTimedOut" || (statusOf(error) === 500 && errorCode(error) === undefined)
  );
}

export function messageOf(error: unknown): string {
  if (error instanceof Error) {
    const code = errorCode(error);
    return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

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

/** The identity may not do this (a role without the action, or a role condition that refuses it). */
export function isPermissionDenied(error: unknown): boolean {
  return statusOf(error) === 403;
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

/**
 * When a copy from a URL (Put Page From URL) fails on the source's side, the service says so in
 * `x-ms-copy-source-status-code` / `x-ms-copy-source-error-code`: the source's status, not ours.
 */
export function copySourceStatusOf(error: unknown): number | undefined {
  const header = asErrorLike(error).response?.headers?.get?.("x-ms-copy-source-status-code");
  const status = header === undefined ? Number.NaN : Number(header);
  return Number.isInteger(status) ? status : undefined;
}

export function copySourceCodeOf(error: unknown): string | undefined {
  const header = asErrorLike(error).response?.headers?.get?.("x-ms-copy-source-error-code");
  return typeof header === "string" && header.length > 0 ? header : undefined;
}

const TRANSIENT_STATUS = new Set([408, 429, 500, 502, 503, 504]);

/** The service (or the copy source) asks us to slow down (AzCopy's pacer reacts to the same signal). */
export function isServerBusy(error: unknown): boolean {
  const source = copySourceStatusOf(error);
  if (source !== undefined)
    return source === 503 || source === 429 || copySourceCodeOf(error) === "ServerBusy";
  const status = statusOf(error);
  return status === 503 || status === 429 || errorCode(error) === "ServerBusy";
}

/**
 * Worth retrying: throttling, server errors, server timeouts, dropped connections, our own request
 * timeout; for a copy, the source's own status decides (a busy or timed-out source is transient, a
 * source we may not read is not).
 */
export function isTransient(error: unknown): boolean {
  const source = copySourceStatusOf(error);
  if (source !== undefined) return TRANSIENT_STATUS.has(source);
  const status = statusOf(error);
  if (status !== undefined) return TRANSIENT_STATUS.has(status);
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

/**
 * A one-line description that is never empty: a storage error answered to a HEAD request (or with an
 * unparsable body) has an empty message, so the status and code say what happened instead.
 */
export function messageOf(error: unknown): string {
  if (error instanceof Error) {
    const code = errorCode(error);
    const message = error.message.trim();
    if (message.length === 0) {
      const status = statusOf(error);
      const what = [status === undefined ? undefined : `HTTP ${status}`, code].filter(Boolean).join(" ");
      return `${error.name || "Error"}${what ? ` (${what})` : ""} without a message from the service`;
    }
    return code && !message.includes(code) ? `${code}: ${message}` : message;
  }
  const text = String(error);
  return text.trim().length > 0 ? text : "unknown error (no message)";
}

// Failures as data: every outcome that crosses the durable boundary (or an API decision) is a Result
// whose failure carries a code, so no caller ever decides anything by reading an error's prose.

/** A failure a caller can act on: `code` is stable (decide on it), `message` is for people. */
export interface Failure {
  code: string;
  message: string;
  /** For failures a wait can cure (a service limit): how long to wait before trying again. */
  retryAfterMs?: number;
}

/** One result shape for the whole app: the value under `value`, or the failure under `error`. */
export type Result<T, E = Failure> = { ok: true; value: T } | { ok: false; error: E };

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function fail<E = Failure>(error: E): { ok: false; error: E } {
  return { ok: false, error };
}

/**
 * An error with a stable code. A step that throws one whose `final` is true reports it as a failed
 * Result instead of being retried: retrying cannot change the answer (a refusal, a verification mismatch).
 */
export class CodedError extends Error {
  readonly code: string;
  readonly final: boolean;
  readonly retryAfterMs: number | undefined;
  constructor(
    code: string,
    message: string,
    options: { final?: boolean; cause?: unknown; retryAfterMs?: number } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "CodedError";
    this.code = code;
    this.final = options.final ?? true;
    this.retryAfterMs = options.retryAfterMs;
  }

  get failure(): Failure {
    const failure: Failure = { code: this.code, message: this.message };
    if (this.retryAfterMs !== undefined) failure.retryAfterMs = this.retryAfterMs;
    return failure;
  }
}

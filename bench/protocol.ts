// Messages between the benchmark driver and the child process that does the copying (one child per
// measured task, so its peak RSS belongs to that task alone).

export interface Endpoints {
  /** Blob service URL per account name, e.g. http://127.0.0.1:1234/devstoreaccount1 */
  blob: Record<string, string>;
  accountKeys: Record<string, string>;
}

export interface TaskRequest {
  task: string;
  endpoints: Endpoints;
  params: Record<string, unknown>;
}

export interface TaskResult {
  /** Wall time of the measured part. */
  seconds: number;
  /** Payload bytes moved (written to the destination). */
  bytes: number;
  /** Task-specific figures (phase times, request counts seen by the client, ...). */
  details: Record<string, number | string>;
}

export type TaskReply =
  | { ok: true; result: TaskResult; maxRssKiB: number; cpuUserMs: number; cpuSystemMs: number }
  | { ok: false; error: string };

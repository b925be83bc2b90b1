// Promotion of a restore point (the procedure's promote step): the service copies the backup snapshot
// into a new backup base blob of the backup account (Copy Blob, server side, sparse), the restored
// disk's chain. It runs beside the verification of the disk: the disk is compared with the same restore
// point, so the promoted blob and the disk hold the same bytes. Asynchronous in the service: a copy
// still pending is a waitable failure, looked at again after a durable timer.
import { COPY_FAILED, COPY_PENDING } from "../app/codes";
import type { AppContext } from "../app/context";
import { CodedError } from "../app/result";
import { isNotFound } from "../storage/errors";
import { withoutSas } from "../storage/sas";
import { selfAuthorizedReadUrl } from "../storage/sourceAuth";
import { requireBlobUrl } from "../storage/urls";
import { TAG_RESTORE_RUN } from "./naming";
import type { PromoteInput, PromoteResult } from "./types";

/** Waits between looks at a pending copy: what is left at the per-blob target, within these bounds. */
const MIN_WAIT_MS = 5_000;
const MAX_WAIT_MS = 60_000;
const ASSUMED_COPY_BYTES_PER_SECOND = 60 * 1024 * 1024;

/** "copied/total" as the service reports a copy's progress. */
function remainingBytes(progress: string | undefined): number | undefined {
  const [done, total] = (progress ?? "").split("/").map(Number);
  if (done === undefined || total === undefined || !Number.isFinite(done) || !Number.isFinite(total))
    return undefined;
  return Math.max(0, total - done);
}

function pendingWaitMs(progress: string | undefined): number {
  const left = remainingBytes(progress);
  if (left === undefined) return MAX_WAIT_MS;
  const ms = (left / ASSUMED_COPY_BYTES_PER_SECOND) * 1000;
  return Math.round(Math.min(MAX_WAIT_MS, Math.max(MIN_WAIT_MS, ms)));
}

/**
 * Starts the copy of the restore point into the promoted blob, unless this restore started it already
 * (the blob carries the restore's tag and the copy's source is the restore point); with `wait`, a copy
 * still pending fails with CopyPending (waited out by the orchestration). Idempotent.
 */
export async function promoteRestorePoint(ctx: AppContext, input: PromoteInput): Promise<PromoteResult> {
  const { run, wait } = input;
  const source = requireBlobUrl(run.backupUrl);
  const promoted = ctx.storage.pageBlob(requireBlobUrl(run.promotedUrl));
  const own = run.newRestorePointId;
  const sourceUrl = await selfAuthorizedReadUrl(ctx.storage, source, run.backupSnapshot);
  const sameSource = (copySource: string | undefined) =>
    copySource !== undefined &&
    withoutSas(copySource) === withoutSas(sourceUrl) &&
    new URL(copySource).searchParams.get("snapshot") === run.backupSnapshot;

  let props = await promoted.getProperties().catch((error: unknown) => {
    if (isNotFound(error)) return undefined;
    throw error;
  });
  if (props !== undefined && props.metadata?.[TAG_RESTORE_RUN] !== own)
    throw new Error(
      `${run.promotedUrl} was created by someone else while the restore ran; nothing was overwritten`,
    );
  const started =
    props !== undefined &&
    sameSource(props.copySource) &&
    props.copyStatus !== "failed" &&
    props.copyStatus !== "aborted";
  if (!started) {
    const poller = await promoted.beginCopyFromURL(sourceUrl, {
      metadata: { [TAG_RESTORE_RUN]: own },
      // Over nothing, or over this restore's own blob as it was just read (never another's).
      conditions: props === undefined ? { ifNoneMatch: "*" } : { ifMatch: props.etag },
    });
    poller.stopPolling();
    props = await promoted.getProperties();
  }
  const status = props?.copyStatus;
  if (status === "failed" || status === "aborted")
    throw new CodedError(
      COPY_FAILED,
      `the service's copy of restore point ${run.restorePointId} into ${run.promotedUrl} ${status}: ${props?.copyStatusDescription ?? "no description"}`,
    );
  if (status === "success") return { copied: true, bytes: props?.contentLength ?? 0 };
  if (!wait) return { copied: false, bytes: 0 };
  throw new CodedError(
    COPY_PENDING,
    `the service is still copying restore point ${run.restorePointId} into ${run.promotedUrl} (${props?.copyProgress ?? "no progress yet"})`,
    { retryAfterMs: pendingWaitMs(props?.copyProgress) },
  );
}

// Resolves a Get Page Ranges diff: validates the previous snapshot with the service's errors, then
// answers from the write journal (service semantics) or, when the journal cannot be trusted or
// compare mode is forced, by comparing contents.
import type { ProxyContext } from "../proxy/context";
import { headerValue } from "../proxy/httpUtil";
import { snapshotOrderKey } from "../proxy/requestParts";
import type { BlobRef, SideClient } from "../proxy/sideClient";
import { compareDiff, type DiffRanges, journalDiff } from "./compare";
import type { WriteJournal } from "./journal";
import { straddlesFourTiB } from "./managedDiskDiff";
import { clip, type Interval, normalize } from "./rangeSet";

export interface DiffError {
  status: number;
  code: string;
  message: string;
}

export interface DiffDeps {
  side: SideClient;
  journal: WriteJournal;
  diffModeFor(path: string): "journal" | "compare";
  /** Counts how each diff was answered: "journal", "compare" (forced) or "fallback" (journal untrusted). */
  recordStrategy(path: string, strategy: DiffStrategy): void;
  log: (line: string) => void;
}

export type DiffStrategy = "journal" | "compare" | "fallback";

export interface DiffInput {
  blob: string;
  targetPages: Interval[];
  start: number;
  end: number;
  targetEtag: string | undefined;
}

const fail = (status: number, code: string, message: string): { error: DiffError } => ({
  error: { status, code, message },
});

/** The previous snapshot id from `prevsnapshot` or `x-ms-previous-snapshot-url`. */
function previousSnapshot(ctx: ProxyContext): string | { error: DiffError } {
  const param = ctx.url.searchParams.get("prevsnapshot");
  if (param !== null) {
    if (snapshotOrderKey(param) === undefined)
      return fail(
        400,
        "InvalidQueryParameterValue",
        "Value for one of the query parameters specified in the request URI is invalid. (prevsnapshot)",
      );
    return param;
  }
  const header = headerValue(ctx.req.headers, "x-ms-previous-snapshot-url") ?? "";
  let url: URL;
  try {
    url = new URL(header);
  } catch {
    return fail(400, "InvalidHeaderValue", "The value for x-ms-previous-snapshot-url is not a valid URL.");
  }
  const snapshot = url.searchParams.get("snapshot");
  if (snapshot === null || snapshotOrderKey(snapshot) === undefined) {
    return fail(400, "InvalidHeaderValue", "x-ms-previous-snapshot-url must name a snapshot.");
  }
  if (decodeURIComponent(url.pathname) !== decodeURIComponent(ctx.url.pathname)) {
    return fail(
      409,
      "PreviousSnapshotNotFound",
      "The previous snapshot is not found (it must be a snapshot of the target blob).",
    );
  }
  return snapshot;
}

export async function resolveDiff(
  deps: DiffDeps,
  ctx: ProxyContext,
  input: DiffInput,
): Promise<DiffRanges | { error: DiffError }> {
  const prevSnapshot = previousSnapshot(ctx);
  if (typeof prevSnapshot !== "string") return prevSnapshot;
  const targetSnapshot = ctx.url.searchParams.get("snapshot") ?? undefined;
  if (
    targetSnapshot !== undefined &&
    snapshotOrderKey(prevSnapshot)! > (snapshotOrderKey(targetSnapshot) ?? "")
  ) {
    return fail(
      400,
      "PreviousSnapshotCannotBeNewer",
      "The prevsnapshot query parameter value cannot be newer than snapshot query parameter value.",
    );
  }
  const target: BlobRef = { path: ctx.url.pathname, snapshot: targetSnapshot };
  const previous: BlobRef = { path: ctx.url.pathname, snapshot: prevSnapshot };
  const [prevProps, targetProps] = await Promise.all([
    deps.side.properties(previous),
    deps.side.properties(target),
  ]);
  if (prevProps.status === 404)
    return fail(409, "PreviousSnapshotNotFound", "The previous snapshot is not found.");
  if (prevProps.status !== 200 || targetProps.status !== 200) {
    return fail(
      500,
      "InternalError",
      `Emulator could not read blob properties (${prevProps.status}/${targetProps.status}).`,
    );
  }
  const overwritten = "The blob has been recreated since the previous snapshot was taken.";
  if (
    headerValue(prevProps.headers, "x-ms-creation-time") !==
    headerValue(targetProps.headers, "x-ms-creation-time")
  ) {
    return fail(409, "BlobOverwritten", overwritten);
  }
  const resized = straddlesFourTiB(
    ctx,
    Number(headerValue(prevProps.headers, "content-length") ?? 0),
    Number(headerValue(targetProps.headers, "content-length") ?? 0),
  );
  if (resized !== undefined) return { error: resized };
  const plan =
    deps.diffModeFor(ctx.path) === "compare"
      ? ({ kind: "untrusted", reason: "compare mode" } as const)
      : deps.journal.plan(input.blob, { prevSnapshot, targetSnapshot, targetEtag: input.targetEtag });
  if (plan.kind === "overwritten") return fail(409, "BlobOverwritten", overwritten);
  const prevPages = clip(normalize(await deps.side.pageList(previous)), input.start, input.end);
  if (plan.kind === "journal") {
    deps.recordStrategy(ctx.path, "journal");
    const touched = clip(plan.plan.touched, input.start, input.end);
    return journalDiff(touched, input.targetPages, prevPages);
  }
  deps.recordStrategy(ctx.path, plan.reason === "compare mode" ? "compare" : "fallback");
  if (plan.reason !== "compare mode") deps.log(`diff of ${ctx.path} by content compare: ${plan.reason}`);
  return compareDiff(deps.side, target, previous, input.targetPages, prevPages);
}

// Tasks of scenario 9 (restore point lifecycle): the retention decision over a long synthetic history,
// a full and a rolling verification through the app's verification procedure in-process, and the
// paired-read ceiling (a minimal loop reading the same chunks from both snapshots, no hashing).
import { createAppContext } from "../../src/app/context";
import { loadSettings } from "../../src/config/settings";
import { listRanges } from "../../src/copy/diff";
import { runVerificationDirect } from "../../src/direct/verification";
import { decideRetention, type PointFacts } from "../../src/retention/decide";
import { requireBlobUrl } from "../../src/storage/urls";
import type { VerifyMode } from "../../src/verification/types";
import type { Endpoints, TaskResult } from "../protocol";
import { mulberry32 } from "../random";
import { numberParam, pool, seconds, stringParam } from "./clients";

type Json = Record<string, unknown>;

/** `points` restore points every 15 minutes (some failed, some held), decided `runs` times; median kept. */
export async function retentionDecision(_endpoints: Endpoints, params: Json): Promise<TaskResult> {
  const count = numberParam(params, "points");
  const rand = mulberry32(numberParam(params, "seed"));
  const start = Date.parse("2023-01-01T00:00:00Z");
  const points: PointFacts[] = Array.from({ length: count }, (_, i) => ({
    restorePointId: `p${i}`,
    status: rand() < 0.02 ? "failed" : "completed",
    kind: "incremental",
    startedAt: new Date(start + i * 15 * 60_000 + Math.floor(rand() * 60_000)).toISOString(),
    ...(rand() < 0.001 ? { hold: true } : {}),
  }));
  const policy = { last: 7, hourly: 24, daily: 30, weekly: 12, monthly: 12, yearly: 5 };
  const now = start + count * 15 * 60_000;
  const times: number[] = [];
  let kept = 0;
  for (let run = 0; run < 5; run++) {
    const t = process.hrtime.bigint();
    const verdicts = decideRetention({ points, policy, now, readers: new Set() });
    times.push(seconds(t));
    kept = verdicts.filter((v) => v.keep).length;
  }
  times.sort((a, b) => a - b);
  const median = times[2] ?? 0;
  return {
    seconds: median,
    bytes: 0,
    details: {
      points: count,
      kept,
      policy: "last=7 hourly=24 daily=30 weekly=12 monthly=12 yearly=5",
      runs: times.map((s) => s.toFixed(3)).join(" "),
      pointsPerSecond: Math.round(count / median),
    },
  };
}

/** A verification of the disk's newest restore point through the app's procedure, in-process. */
export async function appVerifyDirect(_endpoints: Endpoints, params: Json): Promise<TaskResult> {
  const settings = params.settings as Record<string, string>;
  const ctx = createAppContext(loadSettings(settings), { log: () => {} });
  const diskId = stringParam(params, "diskId");
  const latest = await ctx.lineage.latestCompleted(diskId);
  if (!latest) throw new Error(`no restore point for ${diskId}`);
  const mode = stringParam(params, "mode") as VerifyMode;
  const start = process.hrtime.bigint();
  const outcome = await runVerificationDirect(ctx, { diskId, restorePointId: latest.restorePointId, mode });
  const elapsed = seconds(start);
  if (outcome.status !== "verified" || !outcome.record) {
    throw new Error(`verification ${outcome.status}: ${outcome.reason ?? outcome.error?.message ?? ""}`);
  }
  return {
    seconds: elapsed,
    bytes: outcome.record.bytesCompared,
    details: {
      mode,
      chunks: outcome.record.chunks,
      coverage: outcome.record.coverage,
      allocatedBytes: outcome.record.allocatedBytes,
      percent: outcome.record.percent,
    },
  };
}

/** The paired-read ceiling: the allocated ranges read from both snapshots in 4 MiB pieces, no hashing. */
export async function pairedReadCeiling(_endpoints: Endpoints, params: Json): Promise<TaskResult> {
  const settings = params.settings as Record<string, string>;
  const ctx = createAppContext(loadSettings(settings), { log: () => {} });
  const latest = await ctx.lineage.latestCompleted(stringParam(params, "diskId"));
  if (!latest) throw new Error("no restore point");
  const concurrency = numberParam(params, "concurrency");
  const backup = ctx.storage.pageBlob(requireBlobUrl(latest.backupUrl), { snapshot: latest.backupSnapshot });
  const source = ctx.storage.pageBlob(requireBlobUrl(latest.sourceUrl), { snapshot: latest.sourceSnapshot });
  const { changed } = await listRanges({ blob: source, sizeBytes: latest.diskSizeBytes });
  const pieces = changed.flatMap((r) => {
    const out = [];
    for (let o = r.offset; o < r.offset + r.length; o += 4 * 1024 * 1024) {
      out.push({ offset: o, length: Math.min(4 * 1024 * 1024, r.offset + r.length - o) });
    }
    return out;
  });
  const start = process.hrtime.bigint();
  let bytes = 0;
  await pool(pieces.length, concurrency, async (i) => {
    const { offset, length } = pieces[i]!;
    await Promise.all([source.downloadToBuffer(offset, length), backup.downloadToBuffer(offset, length)]);
    bytes += length;
  });
  return { seconds: seconds(start), bytes, details: { concurrency, pieces: pieces.length } };
}

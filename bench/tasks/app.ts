import { startLocalHost } from "../../local/host/index";
import { createAppContext, type Tuning } from "../../src/app/context";
import { loadSettings } from "../../src/config/settings";
import { runDiskBackupDirect } from "../../src/direct/backup";
import { runRestoreDirect } from "../../src/direct/restore";
import { diskOf } from "../../src/disks/identity";
import { REVERT_VERIFY_METHOD } from "../../src/restore/verify";
import { requireBlobUrl } from "../../src/storage/urls";
import type { Endpoints, TaskResult } from "../protocol";
import { seconds, stringParam } from "./clients";

type Json = Record<string, unknown>;

/** Tuning overrides for the app's context (e.g. `paceBlobTargets: false` where nothing enforces them). */
function tuningParam(params: Json): Partial<Tuning> {
  return (params.tuning as Partial<Tuning> | undefined) ?? {};
}

function settingsParam(params: Json): Record<string, string> {
  const settings = params.settings as Record<string, string> | undefined;
  if (settings === undefined) throw new Error("parameter settings is missing");
  return settings;
}

async function call(url: string, init: RequestInit = {}): Promise<{ status: number; body: Json }> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Json) : {} };
}

/** Polls the run's status until it ends, for at most `limitSeconds` (bounded: a hung run fails the task). */
async function waitFor(statusUrl: string, limitSeconds: number): Promise<Json> {
  const deadline = Date.now() + limitSeconds * 1000;
  while (Date.now() < deadline) {
    const { body } = await call(statusUrl);
    if (["Completed", "Failed", "Terminated"].includes(String(body.runtimeStatus))) return body;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${statusUrl} did not finish within ${limitSeconds} s`);
}

/** A run's wait limit: 5 minutes, plus 10 s per disk beyond the first 30 (100 disks: about 16 minutes). */
const waitLimitSeconds = (disks: number) => 300 + 10 * Math.max(0, disks - 30);

/** History of one instance, counted by event type, when it started and when it ended (epoch ms). */
async function historyOf(
  statusUrl: string,
  instanceId: string,
  parentId: string,
): Promise<{ counts: Record<string, number>; seconds: number; endedAt: number }> {
  const url = new URL(statusUrl.replace(encodeURIComponent(parentId), encodeURIComponent(instanceId)));
  url.searchParams.set("showHistory", "true");
  const { body } = await call(url.toString());
  const counts: Record<string, number> = {};
  const times: number[] = [];
  for (const event of (body.historyEvents as Json[] | undefined) ?? []) {
    const type = String(event.EventType ?? event.eventType ?? "unknown");
    counts[type] = (counts[type] ?? 0) + 1;
    const time = Date.parse(String(event.Timestamp));
    if (Number.isFinite(time)) times.push(time);
  }
  const seconds = times.length > 1 ? (Math.max(...times) - Math.min(...times)) / 1000 : 0;
  return { counts, seconds, endedAt: times.length > 0 ? Math.max(...times) : 0 };
}

const events = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
const activities = (c: Record<string, number>) =>
  c.TaskScheduled ?? (c.TaskCompleted ?? 0) + (c.TaskFailed ?? 0);

/**
 * One backup run of the given disks through the local Functions runtime (HTTP API, durable replay,
 * activities; in-memory durable store): time until the run reports completed, history events and
 * activities of the run and its disks, and how long after the last disk ended the run did.
 */
export async function runtimeBackup(_endpoints: Endpoints, params: Json): Promise<TaskResult> {
  const diskIds = Array.isArray(params.diskIds)
    ? params.diskIds.map(String)
    : [stringParam(params, "diskId")];
  const host = await startLocalHost({
    appRoot: stringParam(params, "appRoot"),
    port: 0,
    settings: settingsParam(params),
    durableStore: { kind: "memory" },
    log: () => {},
  });
  try {
    const start = process.hrtime.bigint();
    const started = await call(`${host.baseUrl}/api/backups`, {
      method: "POST",
      body: JSON.stringify({ disks: diskIds }),
    });
    if (started.status !== 202)
      throw new Error(`POST /api/backups: ${started.status} ${JSON.stringify(started.body)}`);
    const statusUrl = String(started.body.statusQueryGetUri);
    const done = await waitFor(statusUrl, waitLimitSeconds(diskIds.length));
    const elapsed = seconds(start);
    const output = done.output as { disks?: Json[] } | undefined;
    const disks = output?.disks ?? [];
    const failed = disks.filter((d) => d.status !== "completed");
    if (done.runtimeStatus !== "Completed" || disks.length !== diskIds.length || failed.length > 0) {
      throw new Error(`backup ended ${String(done.runtimeStatus)}: ${JSON.stringify(failed.slice(0, 3))}`);
    }
    const parentId = String(started.body.id);
    const run = await historyOf(statusUrl, parentId, parentId);
    const runId = parentId;
    const children = [];
    for (const diskId of diskIds)
      children.push(await historyOf(statusUrl, `backup:${diskId}:${runId}`, parentId));
    const childEvents = children.reduce((s, c) => s + events(c.counts), 0);
    const childActivities = children.reduce((s, c) => s + activities(c.counts), 0);
    const lastDiskEnded = Math.max(...children.map((c) => c.endedAt));
    const point = disks[0]?.restorePoint as Json | undefined;
    return {
      seconds: elapsed,
      bytes: disks.reduce((sum, d) => sum + Number(d.bytesCopied ?? 0), 0),
      details: {
        disks: diskIds.length,
        kind: String(point?.kind),
        sourceSnapshot: String(point?.sourceSnapshot),
        changedBytes: disks.reduce((sum, d) => sum + Number((d.restorePoint as Json)?.changedBytes ?? 0), 0),
        historyEvents: events(run.counts) + childEvents,
        activities: activities(run.counts) + childActivities,
        runEvents: events(run.counts),
        maxDiskEvents: Math.max(...children.map((c) => events(c.counts))),
        backupRunSeconds: run.seconds,
        backupDiskSeconds: Math.max(...children.map((c) => c.seconds)),
        runEndLagSeconds: (run.endedAt - lastDiskEnded) / 1000,
        eventTypes: JSON.stringify({ backupRun: run.counts, backupDisk: children[0]?.counts }),
      },
    };
  } finally {
    await host.stop();
  }
}

/** One disk backup through the app's steps in-process (the first source of BACKUP_SOURCES). */
export async function appBackupDirect(_endpoints: Endpoints, params: Json): Promise<TaskResult> {
  const ctx = createAppContext(loadSettings(settingsParam(params)), {
    log: () => {},
    tuning: tuningParam(params),
  });
  const source = ctx.settings.sources[0];
  if (source === undefined) throw new Error("no BACKUP_SOURCES");
  const disk = diskOf(source, ctx.settings.target);
  const start = process.hrtime.bigint();
  const result = await runDiskBackupDirect(ctx, {
    diskId: disk.id,
    sourceUrl: disk.source.url,
    runId: `bench-${Date.now()}`,
  });
  const elapsed = seconds(start);
  if (result.status !== "completed") throw new Error(`direct backup failed: ${result.restorePoint.reason}`);
  return {
    seconds: elapsed,
    bytes: result.batches.reduce((sum, b) => sum + b.bytesCopied, 0),
    details: {
      kind: result.restorePoint.kind,
      changedBytes: result.restorePoint.changedBytes,
      bridgedBytes: result.plan?.bridgedBytes ?? 0,
      batches: result.batches.length,
      restorePointId: result.restorePoint.restorePointId,
    },
  };
}

/**
 * A restore of the disk's newest completed point through the app's steps in-process: to a new disk, or
 * (overwrite) onto the disk itself, which reverts it by diff. Records when each phase began (the target
 * is complete, i.e. usable, when its copy ends: the next phase is promote, or verify for a revert).
 * `replaceTarget`: a restore to a new disk measured again deletes the previous run's disk first, off the
 * clock.
 */
export async function appRestoreDirect(_endpoints: Endpoints, params: Json): Promise<TaskResult> {
  const ctx = createAppContext(loadSettings(settingsParam(params)), {
    log: () => {},
    tuning: tuningParam(params),
  });
  const diskId = stringParam(params, "diskId");
  const targetUrl = stringParam(params, "targetUrl");
  if (params.replaceTarget === true)
    await ctx.storage.pageBlob(requireBlobUrl(targetUrl)).deleteIfExists({ deleteSnapshots: "include" });
  const latest = await ctx.lineage.latestCompleted(diskId);
  if (latest === undefined) throw new Error(`no restore point for ${diskId}`);
  const phases: Record<string, number> = {};
  const start = process.hrtime.bigint();
  const out = await runRestoreDirect(
    ctx,
    {
      diskId,
      restorePointId: latest.restorePointId,
      targetUrl,
      overwrite: params.overwrite === true,
    },
    `bench-restore-${Date.now()}`,
    {
      onStatus: (status) => {
        const phase = String((status as { phase?: unknown }).phase);
        if (phases[phase] === undefined) phases[phase] = seconds(start);
      },
    },
  );
  const elapsed = seconds(start);
  if (!out.verification.verified) throw new Error("restore verification failed");
  const point = await ctx.lineage.get(out.diskId, out.restorePointId);
  const allocated = Number(params.allocatedBytes ?? point?.changedBytes ?? 0);
  return {
    seconds: elapsed,
    bytes: allocated,
    details: {
      bytesCompared: out.verification.bytesCompared,
      verifyMethod: out.verification.method,
      revert: out.verification.method === REVERT_VERIFY_METHOD ? 1 : 0,
      writtenBytes: point?.changedBytes ?? 0,
      safetySeconds: phases.safety ?? 0,
      copySeconds: phases.copy ?? 0,
      usableSeconds: phases.promote ?? phases.verify ?? elapsed,
      verifySeconds: phases.verify === undefined ? 0 : elapsed - (phases.promote ?? phases.verify),
    },
  };
}

import { startLocalHost } from "../../local/host/index";
import { createAppContext } from "../../src/app/context";
import { loadSettings } from "../../src/config/settings";
import { runDiskBackupDirect } from "../../src/direct/backup";
import { runRestoreDirect } from "../../src/direct/restore";
import { diskOf } from "../../src/disks/identity";
import type { Endpoints, TaskResult } from "../protocol";
import { seconds, stringParam } from "./clients";

type Json = Record<string, unknown>;

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

async function waitFor(statusUrl: string): Promise<Json> {
  for (let i = 0; i < 6000; i++) {
    const { body } = await call(statusUrl);
    if (["Completed", "Failed", "Terminated"].includes(String(body.runtimeStatus))) return body;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${statusUrl} did not finish`);
}

/** History of one instance, counted by event type, and how long it ran (first to last event). */
async function historyOf(
  statusUrl: string,
  instanceId: string,
  parentId: string,
): Promise<{ counts: Record<string, number>; seconds: number }> {
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
  return { counts, seconds };
}

export async function runtimeBackup(_endpoints: Endpoints, params: Json): Promise<TaskResult> {
  const diskId = stringParam(params, "diskId");
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
      body: JSON.stringify({ disks: [diskId] }),
    });
    if (started.status !== 202)
      throw new Error(`POST /api/backups: ${started.status} ${JSON.stringify(started.body)}`);
    const statusUrl = String(started.body.statusQueryGetUri);
    const done = await waitFor(statusUrl);
    const elapsed = seconds(start);
    const output = done.output as { disks?: Json[] } | undefined;
    const disk = output?.disks?.[0];
    if (done.runtimeStatus !== "Completed" || disk?.status !== "completed") {
      throw new Error(`backup ended ${String(done.runtimeStatus)}: ${JSON.stringify(output)}`);
    }
    const parentId = String(started.body.id);
    const run = await historyOf(statusUrl, parentId, parentId);
    const diskRun = await historyOf(statusUrl, `backup:${diskId}`, parentId);
    const parent = run.counts;
    const child = diskRun.counts;
    const point = disk.restorePoint as Json;
    const events = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
    const activities = (c: Record<string, number>) =>
      c.TaskScheduled ?? (c.TaskCompleted ?? 0) + (c.TaskFailed ?? 0);
    return {
      seconds: elapsed,
      bytes: Number(disk.bytesCopied ?? 0),
      details: {
        kind: String(point.kind),
        sourceSnapshot: String(point.sourceSnapshot),
        changedBytes: Number(point.changedBytes ?? 0),
        historyEvents: events(parent) + events(child),
        activities: activities(parent) + activities(child),
        backupRunSeconds: run.seconds,
        backupDiskSeconds: diskRun.seconds,
        eventTypes: JSON.stringify({ backupRun: parent, backupDisk: child }),
      },
    };
  } finally {
    await host.stop();
  }
}

export async function appBackupDirect(_endpoints: Endpoints, params: Json): Promise<TaskResult> {
  const ctx = createAppContext(loadSettings(settingsParam(params)), { log: () => {} });
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
      batches: result.batches.length,
      restorePointId: result.restorePoint.restorePointId,
    },
  };
}

export async function appRestoreDirect(_endpoints: Endpoints, params: Json): Promise<TaskResult> {
  const ctx = createAppContext(loadSettings(settingsParam(params)), { log: () => {} });
  const diskId = stringParam(params, "diskId");
  const latest = await ctx.lineage.latestCompleted(diskId);
  if (latest === undefined) throw new Error(`no restore point for ${diskId}`);
  const start = process.hrtime.bigint();
  const out = await runRestoreDirect(
    ctx,
    {
      diskId,
      restorePointId: latest.restorePointId,
      targetUrl: stringParam(params, "targetUrl"),
      overwrite: false,
    },
    `bench-restore-${Date.now()}`,
  );
  const elapsed = seconds(start);
  if (!out.verification.verified) throw new Error("restore verification failed");
  const allocated = Number(params.allocatedBytes ?? 0);
  return {
    seconds: elapsed,
    bytes: allocated,
    details: { bytesCompared: out.verification.bytesCompared, verifyMethod: out.verification.method },
  };
}

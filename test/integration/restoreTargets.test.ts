// Restore targets a hostile caller could send: each one is refused (4xx code, message) before any request
// leaves the app. An emulator of this file's own counts every request it receives, and a listener on
// another loopback address (127.0.0.2) stands for a foreign host: neither sees a request, and the
// listener never sees a credential, unless the place is configured (the positive control).
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DEFAULT_ACCOUNTS,
  EmulatorControl,
  type RunningEmulator,
  startEmulator,
} from "../../local/emulator/index";
import { type AppContext, createAppContext } from "../../src/app/context";
import { loadSettings } from "../../src/config/settings";
import { runDiskBackupDirect } from "../../src/direct/backup";
import { runRestoreDirect } from "../../src/direct/restore";
import { diskOf } from "../../src/disks/identity";
import type { RestorePoint } from "../../src/lineage/restorePoint";
import { admitRestore } from "../../src/restore/admission";
import { resolveRestore } from "../../src/restore/resolve";
import { blobIn } from "../../src/storage/urls";
import { MiB, writeRandom } from "./support/harness";

const SOURCE = "devstoreaccount1";
const BACKUP = "devbackupaccount";
const KEYS = DEFAULT_ACCOUNTS.map((a) => `${a.name}:${a.key}`).join(";");

interface Listener {
  server: Server;
  port: number;
  requests: Array<{ method: string; url: string; headers: IncomingHttpHeaders }>;
}

/** A server on another loopback address that answers 404 to everything and records what it got. */
async function startListener(): Promise<Listener> {
  const requests: Listener["requests"] = [];
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
    req.resume();
    res.writeHead(404, { "x-ms-error-code": "ResourceNotFound" }).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.2", resolve));
  return { server, port: (server.address() as AddressInfo).port, requests };
}

describe("restore targets a hostile caller could send", () => {
  let emulator: RunningEmulator;
  let control: EmulatorControl;
  let listener: Listener;
  let ctx: AppContext;
  let env: Record<string, string>;
  let point: RestorePoint;
  let E = "";

  async function requestsSoFar(): Promise<number> {
    const stats = await control.getStats();
    return Object.values(stats.operations).reduce((sum, op) => sum + op.requests, 0);
  }

  beforeAll(async () => {
    emulator = await startEmulator({ blobPort: 0, tablePort: 0 });
    control = new EmulatorControl(`http://127.0.0.1:${emulator.blobPort}`);
    listener = await startListener();
    E = `http://127.0.0.1:${emulator.blobPort}`;
    env = {
      BACKUP_SOURCES: `${emulator.blobEndpoint(SOURCE)}/src`,
      BACKUP_TARGET: `${emulator.blobEndpoint(BACKUP)}/bak`,
      LINEAGE_TABLE: `${emulator.tableEndpoint(BACKUP)}/lineage`,
      STORAGE_ACCOUNT_KEYS: KEYS,
    };
    ctx = createAppContext(loadSettings(env), { tuning: { minBatchBytes: MiB }, log: () => {} });
    const key = DEFAULT_ACCOUNTS.find((a) => a.name === SOURCE)?.key ?? "";
    const sources = new BlobServiceClient(
      emulator.blobEndpoint(SOURCE),
      new StorageSharedKeyCredential(SOURCE, key),
    ).getContainerClient("src");
    await sources.create();
    const blob = sources.getPageBlobClient("vm.vhd");
    await blob.create(2 * MiB);
    await writeRandom(blob, 0, MiB);
    const disk = diskOf(blobIn(ctx.settings.sources[0]!, "vm.vhd"), ctx.settings.target);
    const result = await runDiskBackupDirect(ctx, {
      diskId: disk.id,
      sourceUrl: disk.source.url,
      runId: "t",
    });
    expect(result.status, result.restorePoint.reason ?? "").toBe("completed");
    point = result.restorePoint;
  });
  afterAll(async () => {
    await new Promise((resolve) => listener?.server.close(resolve));
    await emulator?.stop();
  });

  it("refuses each one with its code, and no request reaches the emulator or the foreign listener", async () => {
    const P = emulator.blobPort;
    const src = `${E}/${SOURCE}/src`;
    const cases: Array<[string, number, string]> = [
      [`${src}/..%2F..%2F${BACKUP}%2Fbak%2Fx.vhd`, 400, "InvalidRequest"],
      [`${src}/..%2f..%2f${SOURCE}%2fother%2fx.vhd`, 400, "InvalidRequest"],
      [`${src}/%2e%2e/%2E%2E/${BACKUP}/bak/x.vhd`, 400, "TargetInBackupAccount"],
      [`${src}/a/../../other/x.vhd`, 400, "TargetNotAllowed"],
      [`${src}/%ZZ.vhd`, 400, "InvalidRequest"],
      [`${src}/%E0%A4%A.vhd`, 400, "InvalidRequest"],
      [`${src}/a%00b.vhd`, 400, "InvalidRequest"],
      [`${src}/a%5Cb.vhd`, 400, "InvalidRequest"],
      [`${src}/a//b.vhd`, 400, "InvalidRequest"],
      [`${src}/${"n".repeat(2000)}`, 400, "InvalidRequest"],
      // the name fits, but the promoted copy next to the backups would not
      [`${src}/${"n".repeat(1000)}`, 400, "InvalidRequest"],
      [`${src}/x.vhd?sv=2020-01-01&sig=abc`, 400, "InvalidRequest"],
      [`${E}/${BACKUP}/bak/x.vhd`, 400, "TargetInBackupAccount"],
      [`${E}/${BACKUP}/elsewhere/x.vhd`, 400, "TargetInBackupAccount"],
      [`${E}/${SOURCE}/unconfigured/x.vhd`, 400, "TargetNotAllowed"],
      [`${E}/devstoreaccount2/src/x.vhd`, 400, "TargetNotAllowed"],
      [`http://localhost:${P}/${SOURCE}/src/x.vhd`, 400, "TargetNotAllowed"],
      [`http://127.0.0.1.:${P}/${SOURCE}/src/x.vhd`, 400, "InvalidRequest"],
      [`http://[::1]:${P}/${SOURCE}/src/x.vhd`, 400, "TargetNotAllowed"],
      [`http://127.0.0.1:${P + 1}/${SOURCE}/src/x.vhd`, 400, "TargetNotAllowed"],
      [`https://127.0.0.1:${P}/${SOURCE}/src/x.vhd`, 400, "TargetNotAllowed"],
      [`http://a@127.0.0.1:${P}/${SOURCE}/src/x.vhd`, 400, "InvalidRequest"],
      [`http://127.0.0.2:${listener.port}/${SOURCE}/src/x.vhd`, 400, "TargetNotAllowed"],
      [`https://${SOURCE}.blob.core.windows.net/src/x.vhd`, 400, "TargetNotAllowed"],
      [`https://${SOURCE}.blob.core.windows.net./src/x.vhd`, 400, "InvalidRequest"],
      ["https://evil.example.com/vhds/x.vhd", 400, "TargetNotAllowed"],
    ];
    for (const [targetUrl, status, code] of cases) {
      const before = await requestsSoFar();
      const admission = await admitRestore(ctx, {
        diskId: point.diskId,
        restorePointId: point.restorePointId,
        targetUrl,
      });
      expect(
        admission.ok ? "admitted" : { status: admission.error.status, code: admission.error.code },
        targetUrl.slice(0, 120),
      ).toEqual({ status, code });
      if (!admission.ok) expect(admission.error.message.length).toBeGreaterThan(20);
      expect(await requestsSoFar(), `a request reached the emulator for ${targetUrl.slice(0, 120)}`).toBe(
        before,
      );
    }
    // The orchestration's first step admits again, the same way (resolve never trusts its input).
    for (const [targetUrl, , code] of cases.filter(([, , c]) => c !== "InvalidRequest")) {
      const before = await requestsSoFar();
      await expect(
        resolveRestore(
          ctx,
          { diskId: point.diskId, restorePointId: point.restorePointId, targetUrl, overwrite: false },
          "hostile",
        ),
      ).rejects.toThrow(code);
      expect(await requestsSoFar()).toBe(before);
    }
    expect(listener.requests).toEqual([]);
  });

  it("refuses a point in time outside the calendar, with no request", async () => {
    const before = await requestsSoFar();
    for (const pointInTime of ["+275760-09-13T00:00:00.000Z", "2025-02-30T00:00:00Z", "now"]) {
      const admission = await admitRestore(ctx, { diskId: point.diskId, pointInTime });
      expect(admission).toMatchObject({ ok: false, error: { status: 400, code: "InvalidRequest" } });
    }
    expect(await requestsSoFar()).toBe(before);
  });

  it("never sends a request to a host a lineage row names if it is not configured", async () => {
    // A tampered (or stale) row whose backup blob lives on the foreign listener.
    const foreign = `http://127.0.0.2:${listener.port}/${BACKUP}/bak/x.vhd`;
    await ctx.lineage.upsert({ ...point, restorePointId: "20300101T000000Z-0badc0de", backupUrl: foreign });
    await expect(
      runRestoreDirect(
        ctx,
        {
          diskId: point.diskId,
          restorePointId: "20300101T000000Z-0badc0de",
          targetUrl: `${E}/${SOURCE}/src/tampered.vhd`,
          overwrite: false,
        },
        "tampered",
      ),
    ).rejects.toThrow(/not a configured blob endpoint/);
    expect(listener.requests).toEqual([]);
  });

  it("positive control: once configured, the same place is contacted, with a credential", async () => {
    const widened = createAppContext(
      loadSettings({ ...env, RESTORE_TARGETS: `http://127.0.0.2:${listener.port}/${SOURCE}` }),
      { log: () => {} },
    );
    const admission = await admitRestore(widened, {
      diskId: point.diskId,
      restorePointId: point.restorePointId,
      targetUrl: `http://127.0.0.2:${listener.port}/${SOURCE}/src/x.vhd`,
    });
    expect(admission).toMatchObject({ ok: false, error: { code: "TargetContainerNotFound" } });
    expect(listener.requests.length).toBeGreaterThan(0);
    expect(String(listener.requests[0]?.headers.authorization)).toMatch(new RegExp(`^SharedKey ${SOURCE}:`));
    listener.requests.length = 0;
  });
});

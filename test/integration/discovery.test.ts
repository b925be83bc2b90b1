// Discovery of the disks of a backup run, against the emulator: one odd blob (a name at the service's
// limit, a half-written restore target, a blob that cannot be read or is gone) or one source container
// that cannot be listed is skipped with its reason; the other disks are still found, and a disk whose
// backup is running is skipped in plain words.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type AppContext, createAppContext } from "../../src/app/context";
import { resolveBackupDisks } from "../../src/backup/resolve";
import { loadSettings, storageEndpointsOf } from "../../src/config/settings";
import { discover } from "../../src/disks/discovery";
import { StorageAccess } from "../../src/storage/clients";
import { TAG_RESTORE_RUN } from "../../src/storage/tags";
import { uniqueName } from "../support/emulator";
import { createHarness, diskFor, type Harness, MiB } from "./support/harness";

describe("discovery with odd blobs in the sources (against the emulator)", () => {
  let h: Harness;
  let ctx: AppContext;
  let logs: string[];
  const other = uniqueName("discodd");
  const singles = uniqueName("discone");
  const longName = "l".repeat(1024);

  beforeAll(async () => {
    h = await createHarness("disc");
    const account = h.ctx.settings.sources[0]!.serviceUrl;
    logs = [];
    const settings = loadSettings({
      ...h.env,
      BACKUP_SOURCES: [
        h.env.BACKUP_SOURCES,
        `${account}/${other}`,
        `${account}/${singles}/unreadable.vhd`,
        `${account}/${singles}/gone.vhd`,
      ].join(" "),
    });
    ctx = createAppContext(settings, {
      storage: new StorageAccess({
        endpoints: storageEndpointsOf(settings),
        accountKeys: settings.accountKeys,
        sdkRetry: { maxTries: 3, retryDelayInMs: 50, maxRetryDelayInMs: 200 },
      }),
      log: (line) => logs.push(line),
    });
    await h.sources.getPageBlobClient("ok.vhd").create(MiB);
    // at the service's limit: the blob is valid, its backup blob name (account/container/name) would not be
    await h.sources.getPageBlobClient(longName).create(MiB);
    // what a failed restore leaves when the role may not delete it
    await h.sources
      .getPageBlobClient("half.vhd")
      .create(MiB, { metadata: { [TAG_RESTORE_RUN]: "20250101T000000Z-0000dead" } });
    await h.sources.getBlockBlobClient("notes.txt").upload("x", 1);
    const service = h.emu.blobService("devstoreaccount1");
    // Azurite cannot list a name with an XML-invalid character (500 with an empty message; the service
    // would list it encoded): the whole container's listing fails.
    await service.getContainerClient(other).create();
    await service.getContainerClient(other).getPageBlobClient("bad\u0001name.vhd").create(MiB);
    await service.getContainerClient(singles).create();
    await service.getContainerClient(singles).getPageBlobClient("unreadable.vhd").create(MiB);
  });
  // a blob source that answers every read with 503 (after the SDK's retries)
  beforeEach(async () => {
    await h.emu.control.setFaults([
      {
        operations: ["getProperties"],
        pathPrefix: `/devstoreaccount1/${singles}/unreadable.vhd`,
        rate: 1,
        kind: "serverBusy",
      },
    ]);
  });
  afterEach(async () => h?.emu.control.setFaults([]));
  afterAll(async () => {
    const service = h?.emu.blobService("devstoreaccount1");
    await service?.getContainerClient(other).deleteIfExists();
    await service?.getContainerClient(singles).deleteIfExists();
    await h?.cleanup();
  });

  it("finds the good disks and skips each odd one with its reason", async () => {
    const found = await discover(ctx.settings, ctx.storage, ctx.log);
    expect(found.disks.map((d) => (d.kind === "pageBlob" ? d.source.blobName : d.id))).toEqual(["ok.vhd"]);
    const reasons = Object.fromEntries(
      found.skipped.map((s) => [s.sourceUrl.split("/").pop()?.slice(0, 12), s.reason]),
    );
    expect(reasons).toEqual({
      [longName.slice(0, 12)]: expect.stringMatching(
        /backup blob name .* is 10\d\d characters long \(the service allows 1024\)/,
      ),
      "half.vhd": expect.stringMatching(/restore point 20250101T000000Z-0000dead\) has not completed/),
      "unreadable.v": expect.stringMatching(/cannot read it: .*503/),
    });
    expect(logs.join("\n")).toMatch(new RegExp(`cannot list source container .*${other}.*: .*500`));
    expect(logs.join("\n")).toMatch(/gone\.vhd: not found/);
    expect(logs.join("\n")).toMatch(/notes\.txt: BlockBlob blob, not a page blob/);
    expect((await h.emu.control.getFaultCounts()).serverBusy).toBeGreaterThanOrEqual(1);
  });

  it("never fails the run's disk resolution, and says in plain words that a running backup is left alone", async () => {
    const ok = diskFor(h, "ok.vhd").id;
    const resolved = await resolveBackupDisks(ctx, undefined);
    expect(resolved.disks.map((d) => d.diskId)).toEqual([ok]);
    expect(resolved.skipped).toHaveLength(3);
    for (const s of resolved.skipped) expect(s.reason.length).toBeGreaterThan(20);
    const holder = { kind: "backup" as const, restorePointId: "rp-other", runId: "other-run" };
    expect((await ctx.locks.acquire(ok, holder, 60_000)).ok).toBe(true);
    const busy = await resolveBackupDisks(ctx, [ok]);
    await ctx.locks.release(ok, holder);
    expect(busy.disks).toEqual([]);
    expect(busy.skipped).toEqual([
      { diskId: ok, reason: expect.stringMatching(/^a backup of this disk is already running/) },
    ]);
    expect(busy.skipped[0]?.reason).not.toMatch(/Running|Pending|instance/);
  });
});

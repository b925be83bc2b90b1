// Service limits the emulator enforces, seeded fault injection, and the per-kind counters.
import { BlobServiceClient, type ContainerClient } from "@azure/storage-blob";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EmulatorControl } from "../../local/emulator/control";
import { emu, newContainer, pathOf, SOURCE } from "./helpers";

const MiB = 1024 * 1024;
const TiB = 1024 ** 4;

describe("service limits", () => {
  let container: ContainerClient;
  beforeAll(async () => {
    container = await newContainer("limits");
  });
  afterAll(async () => {
    await container.delete();
  });

  it("rejects Put Page bodies over 4 MiB with 413 RequestBodyTooLarge", async () => {
    const blob = container.getPageBlobClient("big.vhd");
    await blob.create(16 * MiB);
    await blob.uploadPages(Buffer.alloc(4 * MiB, 1), 0, 4 * MiB);
    await expect(
      blob.uploadPages(Buffer.alloc(4 * MiB + 512, 2), 4 * MiB, 4 * MiB + 512),
    ).rejects.toMatchObject({
      statusCode: 413,
      code: "RequestBodyTooLarge",
    });
    expect((await blob.getPageRanges(0, 16 * MiB)).pageRange).toEqual([{ offset: 0, count: 4 * MiB - 1 }]);
  });

  it("accepts page blobs up to 8 TiB and rejects larger or unaligned sizes", async () => {
    const blob = container.getPageBlobClient("huge.vhd");
    await blob.create(8 * TiB);
    await blob.uploadPages(Buffer.alloc(512, 1), 8 * TiB - 512, 512);
    await expect(blob.resize(8 * TiB + 512)).rejects.toMatchObject({
      statusCode: 400,
      code: "InvalidHeaderValue",
    });
    await expect(container.getPageBlobClient("toohuge.vhd").create(8 * TiB + 512)).rejects.toMatchObject({
      statusCode: 400,
      code: "InvalidHeaderValue",
    });
    await expect(container.getPageBlobClient("odd.vhd").create(1000)).rejects.toMatchObject({
      statusCode: 400,
    });
    await expect(blob.resize(1000)).rejects.toMatchObject({ statusCode: 400 });
  });

  it("enforces 512-byte page alignment and the blob's end", async () => {
    const blob = container.getPageBlobClient("align.vhd");
    await blob.create(4096);
    const invalid = { statusCode: 416, code: "InvalidPageRange" };
    await expect(blob.uploadPages(Buffer.alloc(512), 100, 512)).rejects.toMatchObject(invalid);
    await expect(blob.uploadPages(Buffer.alloc(500), 0, 500)).rejects.toMatchObject(invalid);
    await expect(blob.clearPages(0, 100)).rejects.toMatchObject(invalid);
    await expect(blob.uploadPages(Buffer.alloc(512), 4096, 512)).rejects.toMatchObject(invalid);
    await blob.uploadPages(Buffer.alloc(512, 1), 3584, 512);
  });

  it("refuses blob names over 1,024 characters with 400 OutOfRangeInput, as the service does", async () => {
    const atLimit = container.getPageBlobClient("n".repeat(1024));
    await atLimit.create(512);
    expect((await atLimit.getProperties()).contentLength).toBe(512);
    const over = container.getPageBlobClient("n".repeat(1025));
    await expect(over.create(512)).rejects.toMatchObject({ statusCode: 400, code: "OutOfRangeInput" });
    await expect(over.getProperties()).rejects.toMatchObject({ statusCode: 400 });
    await atLimit.delete();
  });
});

describe("fault injection and counters", () => {
  let container: ContainerClient;
  let noRetry: ContainerClient;
  let scope: string;
  beforeAll(async () => {
    container = await newContainer("faults");
    scope = pathOf(container);
    noRetry = new BlobServiceClient(emu.blobEndpoint(SOURCE), emu.credential(SOURCE), {
      retryOptions: { maxTries: 1 },
    }).getContainerClient(container.containerName);
  });
  afterAll(async () => {
    await emu.control.setFaults([], undefined, scope);
    await container.delete();
  });

  it("injects ServerBusy, OperationTimedOut and dropped connections with the service's error shape", async () => {
    const blob = noRetry.getPageBlobClient("f.vhd");
    await blob.create(4096);
    const prefix = `${pathOf(container)}/f.vhd`;
    await emu.control.setFaults(
      [{ operations: ["getProperties"], pathPrefix: prefix, rate: 1, kind: "serverBusy" }],
      undefined,
      scope,
    );
    // HEAD answers carry the code only in x-ms-error-code, which the SDK puts in details.
    await expect(blob.getProperties()).rejects.toMatchObject({
      statusCode: 503,
      details: { errorCode: "ServerBusy" },
    });
    await emu.control.setFaults(
      [{ operations: ["getBlob"], pathPrefix: prefix, rate: 1, kind: "operationTimedOut" }],
      undefined,
      scope,
    );
    await expect(blob.download(0, 512)).rejects.toMatchObject({ statusCode: 500, code: "OperationTimedOut" });
    const raw = await fetch(`${blob.url}?comp=pagelist`, { headers: { "x-ms-version": "2025-11-05" } }).catch(
      () => undefined,
    );
    expect(raw?.status).not.toBe(500); // other kinds are not affected
    expect(await emu.control.getFaultCounts(scope)).toEqual({ operationTimedOut: 1 });
    await emu.control.setFaults(
      [{ operations: ["putPage"], pathPrefix: prefix, rate: 1, kind: "dropConnection" }],
      undefined,
      scope,
    );
    const dropped = await blob.uploadPages(Buffer.alloc(512), 0, 512).then(
      () => "ok",
      (error: { statusCode?: number }) => error.statusCode ?? "no status",
    );
    expect(dropped).toBe("no status");
    expect(await emu.control.getFaultCounts(scope)).toEqual({ dropConnection: 1 });
    await emu.control.setFaults([], undefined, scope);
    expect((await blob.getPageRanges(0, 4096)).pageRange).toEqual([]);
  });

  it("refuses as a role condition would (403 AuthorizationPermissionMismatch), sparing the query it exempts", async () => {
    const blob = noRetry.getPageBlobClient("guarded.vhd");
    await blob.create(4096);
    const snapshot = (await blob.createSnapshot()).snapshot!;
    await emu.control.setFaults(
      [
        {
          operations: ["deleteBlob"],
          pathPrefix: `${pathOf(container)}/guarded.vhd`,
          exceptQuery: ["snapshot"],
          rate: 1,
          kind: "permissionDenied",
        },
      ],
      undefined,
      scope,
    );
    await expect(blob.delete({ deleteSnapshots: "include" })).rejects.toMatchObject({
      statusCode: 403,
      code: "AuthorizationPermissionMismatch",
    });
    await blob.withSnapshot(snapshot).delete();
    expect(await emu.control.getFaultCounts(scope)).toEqual({ permissionDenied: 1 });
    expect(await blob.exists()).toBe(true);
    await emu.control.setFaults([], undefined, scope);
    await blob.delete();
  });

  it("is reproducible from a seed, and the SDK's retries ride out transient faults", async () => {
    const blob = noRetry.getPageBlobClient("seeded.vhd");
    await blob.create(4096);
    const rules = [
      {
        operations: ["getProperties"],
        pathPrefix: `${pathOf(container)}/seeded`,
        rate: 0.5,
        kind: "serverBusy" as const,
      },
    ];
    const run = async () => {
      await emu.control.setFaults(rules, 42, scope);
      const outcomes: string[] = [];
      for (let i = 0; i < 24; i++)
        outcomes.push(
          await blob.getProperties().then(
            () => "ok",
            () => "busy",
          ),
        );
      return outcomes;
    };
    const first = await run();
    const second = await run();
    expect(second).toEqual(first);
    expect(first.filter((o) => o === "busy").length).toBe(
      (await emu.control.getFaultCounts(scope)).serverBusy,
    );
    expect(first).toContain("ok");
    expect(first).toContain("busy");
    await emu.control.setFaults([{ ...rules[0]!, rate: 1, kind: "latency", latencyMs: 5 }], undefined, scope);
    await blob.getProperties();
    expect(await emu.control.getFaultCounts(scope)).toEqual({ latency: 1 });
    await emu.control.setFaults([], undefined, scope);
  });

  it("keeps fault scopes apart: one client's rules survive another client's reset", async () => {
    const blob = noRetry.getPageBlobClient("scoped.vhd");
    await blob.create(4096);
    const mine = new EmulatorControl(`http://127.0.0.1:${emu.blobPort}`, { faultScope: `${scope}-a` });
    const theirs = new EmulatorControl(`http://127.0.0.1:${emu.blobPort}`, { faultScope: `${scope}-b` });
    const rule = { operations: ["getProperties"], pathPrefix: `${pathOf(container)}/scoped`, rate: 1 };
    await mine.setFaults([{ ...rule, kind: "serverBusy" }]);
    await theirs.setFaults([]);
    await expect(blob.getProperties()).rejects.toMatchObject({ statusCode: 503 });
    expect(await mine.getFaultCounts()).toEqual({ serverBusy: 1 });
    expect(await theirs.getFaultCounts()).toEqual({});
    await mine.setFaults([]);
    await blob.getProperties();
  });

  it("counts requests and bytes per operation kind under a path prefix", async () => {
    const blob = container.getPageBlobClient("counted.vhd");
    const prefix = `${pathOf(container)}/counted.vhd`;
    await blob.create(64 * 1024);
    await blob.uploadPages(Buffer.alloc(8192, 1), 0, 8192);
    await blob.uploadPages(Buffer.alloc(4096, 1), 16384, 4096);
    await blob.clearPages(0, 512);
    const snap = (await blob.createSnapshot()).snapshot!;
    await blob.resize(128 * 1024);
    await blob.withSnapshot(snap).download(0, 4096);
    await blob.getPageRanges(0, 4096);
    await blob.getPageRangesDiff(0, 4096, snap);
    await blob.getProperties();
    const stats = (await emu.control.getStats(prefix)).operations;
    expect(stats.createBlob?.requests).toBe(1);
    expect(stats.putPage).toEqual({ requests: 2, bytesIn: 12288, bytesOut: 0 });
    expect(stats.clearPages?.requests).toBe(1);
    expect(stats.createSnapshot?.requests).toBe(1);
    expect(stats.resize?.requests).toBe(1);
    expect(stats.getBlob?.requests).toBe(1);
    expect(stats.getBlob?.bytesOut).toBe(4096);
    expect(stats.getPageRanges?.requests).toBe(1);
    expect(stats.getPageRangesDiff?.requests).toBe(1);
    expect(stats.getProperties?.requests).toBe(1);
    await blob.delete({ deleteSnapshots: "include" });
    expect((await emu.control.getStats(prefix)).operations.deleteBlob?.requests).toBe(1);
  });
});

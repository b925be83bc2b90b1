// `npm start` itself (dist/local/start.js: storage emulator, Resource Manager stand-in, local Functions
// runtime, demo) on free ports: the demo creates a page blob and a managed disk in local-rg and backs both
// up; GET /api/disks shows both kinds; a restore of the managed disk's point through POST /api/restores
// makes a new managed disk, which the next listing shows with its `restored` first point; Ctrl-C (SIGINT)
// stops the stand-in with the rest.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { freePort } from "../support/ports";

const root = path.resolve(__dirname, "../..");
const GROUP = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/local-rg";
let child: ChildProcess | undefined;
let folder = "";

afterAll(async () => {
  child?.kill("SIGKILL");
  if (folder) await rm(folder, { recursive: true, force: true });
});

async function call(url: string, method = "GET", body?: unknown) {
  const response = await fetch(url, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, json: (text ? JSON.parse(text) : undefined) as Record<string, unknown> };
}

interface DiskRow {
  id: string;
  kind: string;
  resourceId?: string;
  lastRestorePoint: { restorePointId: string; kind: string; sourceKind?: string } | null;
}

it("backs up the demo's managed disk beside the page blob and restores it to a new managed disk", async () => {
  if (!existsSync(path.join(root, "dist/local/start.js"))) throw new Error("Build first: npm run build");
  folder = await mkdtemp(path.join(tmpdir(), "start-managed-"));
  const [http, blob, table] = [await freePort(), await freePort(), await freePort()];
  child = spawn(process.execPath, [path.join(root, "dist/local/start.js")], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(http),
      EMULATOR_BLOB_PORT: String(blob),
      EMULATOR_TABLE_PORT: String(table),
      ARM_PORT: "0",
      EMULATOR_LOCATION: folder,
      AzureWebJobsStorage: "UseDevelopmentStorage=true",
      BACKUP_SOURCES: `http://127.0.0.1:${blob}/devstoreaccount1/vhds ${GROUP}`,
      BACKUP_TARGET: `http://127.0.0.1:${blob}/devbackupaccount/backups`,
      LINEAGE_TABLE: `http://127.0.0.1:${table}/devbackupaccount/lineage`,
      DURABLE_TASK_HUB_NAME: "startmanaged",
      BACKUP_SCHEDULE: "0 0 0 1 1 *",
      DEMO_DISK: "true",
      DEMO_WRITTEN_MIB: "16",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no demo after 180 s:\n${output.join("\n")}`)), 180_000);
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString("utf8").split("\n")) {
        output.push(line);
        if (/\[demo\] done\./.test(line)) {
          clearTimeout(timer);
          resolve();
        }
        if (/\[demo\] (failed|no managed demo disk)/.test(line)) reject(new Error(line));
      }
    };
    child?.stdout?.on("data", onData);
    child?.stderr?.on("data", onData);
    child?.once("exit", (code) => reject(new Error(`npm start exited (${code}):\n${output.join("\n")}`)));
  });
  const text = output.join("\n");
  expect(text).toMatch(/Resource Manager: https:\/\/127\.0\.0\.1:\d+ \(stand-in/);
  expect(text).toContain(`certificate:    ${path.join(folder, "arm", "cert.pem")}`);
  expect(text).toMatch(/\[demo\] created managed disk .*\/disks\/demodisk: 1 GiB/);

  const api = `http://127.0.0.1:${http}/api`;
  const disks = (await call(`${api}/disks`)).json.disks as DiskRow[];
  expect(disks.map((d) => d.kind).sort()).toEqual(["managedDisk", "pageBlob"]);
  const managed = disks.find((d) => d.kind === "managedDisk") as DiskRow;
  expect(managed.resourceId).toBe(`${GROUP}/providers/Microsoft.Compute/disks/demodisk`);
  expect(managed.lastRestorePoint).toMatchObject({ kind: "full", sourceKind: "managedDisk" });

  const point = managed.lastRestorePoint?.restorePointId ?? "";
  const started = await call(`${api}/restores`, "POST", { diskId: managed.id, restorePointId: point });
  expect(started.status, JSON.stringify(started.json)).toBe(202);
  let status: Record<string, unknown> = {};
  for (let i = 0; i < 1200; i++) {
    status = (await call(String(started.json.statusQueryGetUri))).json;
    if (["Completed", "Failed", "Terminated"].includes(String(status.runtimeStatus))) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(status.runtimeStatus, JSON.stringify(status)).toBe("Completed");
  const restoredUrl = `${GROUP}/providers/Microsoft.Compute/disks/demodisk-restore-${point}`;
  expect((status.output as { restoredDiskUrl: string }).restoredDiskUrl).toBe(restoredUrl);
  const after = (await call(`${api}/disks`)).json.disks as DiskRow[];
  expect(after.find((d) => d.resourceId === restoredUrl)?.lastRestorePoint).toMatchObject({
    kind: "restored",
    sourceKind: "managedDisk",
  });

  const exited = new Promise<number | null>((resolve) => child?.once("exit", resolve));
  child.kill("SIGINT");
  expect(await exited).toBe(0);
  expect(output.join("\n")).toMatch(
    /stopping the function host, the Resource Manager stand-in and the storage emulator/,
  );
});

// Measures what a group commit costs the emulator's thread in disk mode once many blobs are stored:
// fills a folder with page blobs, then times sequential 4 KiB Put Pages and prints the blob store's
// commit counters per commit (serialize + write ms, bytes, checkpoints) and the files' sizes.
// Usage: node dist/local/emulator/measureCommit.js [--blobs 2000] [--writes 500] [--module <index.js>]
// (--module: another build's dist/local/emulator/index.js, to compare with an older commit.)
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import type { CommitStats } from "./durability";
import { startEmulator as ownStart, WELL_KNOWN_KEY } from "./index";

const KiB = 1024;
const BLOB_SIZE = 1024 * KiB;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      blobs: { type: "string", default: "2000" },
      writes: { type: "string", default: "500" },
      module: { type: "string" },
    },
  });
  const blobs = Number(values.blobs);
  const writes = Number(values.writes);
  const startEmulator =
    values.module === undefined
      ? ownStart
      : (require(path.resolve(values.module)) as { startEmulator: typeof ownStart }).startEmulator;
  const location = mkdtempSync(path.join(tmpdir(), "measure-commit-"));
  const emulator = await startEmulator({ blobPort: 0, tablePort: 0, location });
  try {
    const account = "devstoreaccount1";
    const credential = new StorageSharedKeyCredential(account, WELL_KNOWN_KEY);
    const container = new BlobServiceClient(emulator.blobEndpoint(account), credential).getContainerClient(
      "measure",
    );
    await container.create();
    const page = Buffer.alloc(4 * KiB, 7);
    let next = 0;
    // Each blob gets two written ranges, so its page map is not empty.
    const fill = async () => {
      while (next < blobs) {
        const blob = container.getPageBlobClient(`disk-${next++}.vhd`);
        await blob.create(BLOB_SIZE);
        await blob.uploadPages(page, 0, page.length);
        await blob.uploadPages(page, BLOB_SIZE / 2, page.length);
      }
    };
    await Promise.all(Array.from({ length: 8 }, fill));
    const stats = emulator.commitStats?.blob;
    if (stats === undefined) throw new Error("no commit counters (durability off?)");
    const before: CommitStats = { ...stats };
    const started = performance.now();
    for (let i = 0; i < writes; i++) {
      const blob = container.getPageBlobClient(`disk-${(i * 7919) % blobs}.vhd`);
      await blob.uploadPages(page, (1 + (i % 100)) * page.length * 2, page.length);
    }
    const seconds = (performance.now() - started) / 1000;
    const commits = stats.commits - before.commits;
    const ms = stats.serializeMs + stats.writeMs - before.serializeMs - before.writeMs;
    const sizes = readdirSync(location)
      .filter((name) => name.startsWith("__azurite_db_blob"))
      .map((name) => `${name} ${(statSync(path.join(location, name)).size / KiB).toFixed(0)} KiB`);
    console.log(
      `${blobs} page blobs stored, ${writes} sequential 4 KiB Put Pages: ${(writes / seconds).toFixed(0)}/s`,
    );
    console.log(
      `blob store: ${commits} commits, ${(ms / commits).toFixed(3)} ms per commit (serialize + write), ` +
        `${((stats.bytes - before.bytes) / commits / KiB).toFixed(1)} KiB written per commit, ` +
        `${(stats.checkpoints ?? 0) - (before.checkpoints ?? 0)} checkpoints`,
    );
    console.log(`files: ${sizes.join(", ")}`);
  } finally {
    await emulator.stop();
    rmSync(location, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

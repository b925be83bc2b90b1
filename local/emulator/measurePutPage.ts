// Measures Put Page throughput (4 MiB bodies, @azure/storage-blob) on stock Azurite 3.37 (forced
// CRC-64) and on the emulator's fast Put Page, side by side in one run (plus fast Put Page
// without the proxy, to show the proxy's own cost). Prints MiB/s.
// Usage: node dist/local/emulator/measurePutPage.js [--mib 128] [--concurrency 1,4]
import { parseArgs } from "node:util";
import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import { startEmulator, WELL_KNOWN_KEY } from "./index";

const MiB = 1024 * 1024;
const PAGE_BODY = 4 * MiB;
const BLOB_SIZE = 64 * MiB;

async function measure(
  fastPutPage: boolean,
  totalMiB: number,
  concurrency: number,
  direct = false,
): Promise<number> {
  const emulator = await startEmulator({ blobPort: 0, tablePort: 0, fastPutPage });
  try {
    const account = "devstoreaccount1";
    // direct: straight to Azurite's port, to show what the proxy itself costs.
    const endpoint = direct
      ? `http://${emulator.host}:${emulator.azuriteBlobPort}/${account}`
      : emulator.blobEndpoint(account);
    const service = new BlobServiceClient(endpoint, new StorageSharedKeyCredential(account, WELL_KNOWN_KEY));
    const container = service.getContainerClient("measure");
    await container.create();
    const blob = container.getPageBlobClient("disk.vhd");
    await blob.create(BLOB_SIZE);
    const body = Buffer.alloc(PAGE_BODY);
    for (let i = 0; i < body.length; i += 4) body.writeUInt32LE((i * 2654435761) >>> 0, i);
    const writes = Math.ceil((totalMiB * MiB) / PAGE_BODY);
    let next = 0;
    const started = process.hrtime.bigint();
    const worker = async () => {
      while (next < writes) {
        const index = next++;
        await blob.uploadPages(body, (index * PAGE_BODY) % BLOB_SIZE, PAGE_BODY);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return (writes * PAGE_BODY) / MiB / seconds;
  } finally {
    await emulator.stop();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { mib: { type: "string", default: "128" }, concurrency: { type: "string", default: "1,4" } },
  });
  const totalMiB = Number(values.mib);
  const levels = values.concurrency.split(",").map(Number);
  console.log(`Put Page, 4 MiB bodies, ${totalMiB} MiB per run, through the emulator's proxy (in memory)`);
  console.log("concurrency | stock 3.37 MiB/s | fast MiB/s | speed-up | fast, no proxy MiB/s");
  for (const concurrency of levels) {
    // Warm up both paths once so module loading and JIT do not count.
    await measure(false, 8, concurrency);
    await measure(true, 8, concurrency);
    const stock = await measure(false, totalMiB, concurrency);
    const fast = await measure(true, totalMiB, concurrency);
    const direct = await measure(true, totalMiB, concurrency, true);
    console.log(
      `${String(concurrency).padStart(11)} | ${stock.toFixed(0).padStart(16)} | ${fast.toFixed(0).padStart(10)} | ` +
        `${`${(fast / stock).toFixed(1)}x`.padStart(8)} | ${direct.toFixed(0).padStart(20)}`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

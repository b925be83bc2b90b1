// The ceiling: minimal client loops of 4 MiB Put Page From URL and of plain Put Page against the same
// emulator, at one concurrency level (the driver sweeps the levels).
import type { Endpoints, TaskResult } from "../protocol";
import { blobRefParam, numberParam, pageBlob, pool, readSasUrl, seconds } from "./clients";

const CHUNK = 4 * 1024 * 1024;

export async function ceilingPutPageFromUrl(
  endpoints: Endpoints,
  params: Record<string, unknown>,
): Promise<TaskResult> {
  const source = blobRefParam(params, "source");
  const destination = pageBlob(endpoints, blobRefParam(params, "destination"));
  const bytes = numberParam(params, "bytes");
  const concurrency = numberParam(params, "concurrency");
  const chunk = typeof params.chunkBytes === "number" ? params.chunkBytes : CHUNK;
  // Small chunks are spread out (one per 64 KiB) so that they do not touch, like random page writes.
  const stride = chunk < CHUNK ? Math.max(chunk, 64 * 1024) : chunk;
  const sourceUrl = readSasUrl(endpoints, source);
  const chunks = Math.ceil(bytes / chunk);
  const start = process.hrtime.bigint();
  await pool(chunks, concurrency, async (i) => {
    const offset = i * stride;
    await destination.uploadPagesFromURL(sourceUrl, offset, offset, Math.min(chunk, bytes - i * chunk));
  });
  return { seconds: seconds(start), bytes, details: { requests: chunks, concurrency, chunkBytes: chunk } };
}

export async function ceilingPutPage(
  endpoints: Endpoints,
  params: Record<string, unknown>,
): Promise<TaskResult> {
  const destination = pageBlob(endpoints, blobRefParam(params, "destination"));
  const bytes = numberParam(params, "bytes");
  const concurrency = numberParam(params, "concurrency");
  const body = Buffer.alloc(CHUNK);
  for (let i = 0; i < CHUNK; i += 4) body.writeUInt32LE((Math.imul(i, 2654435761) ^ i) >>> 0, i);
  const chunks = Math.ceil(bytes / CHUNK);
  const start = process.hrtime.bigint();
  await pool(chunks, concurrency, async (i) => {
    const offset = i * CHUNK;
    const length = Math.min(CHUNK, bytes - offset);
    await destination.uploadPages(body.subarray(0, length), offset, length);
  });
  return { seconds: seconds(start), bytes, details: { requests: chunks, concurrency } };
}

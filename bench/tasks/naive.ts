// The naive baselines: (a) the seed's full copy of the whole snapshot every window (Copy Blob); (b) a
// straightforward incremental script: diff, then one range at a time download + upload, no coalescing,
// no concurrency (ranges over 4 MiB are cut only because Put Page refuses larger bodies).
import type { Readable } from "node:stream";
import type { Endpoints, TaskResult } from "../protocol";
import { blobRefParam, numberParam, pageBlob, readSasUrl, seconds, stringParam } from "./clients";

const MAX_BODY = 4 * 1024 * 1024;

async function readAll(
  stream: NodeJS.ReadableStream | Readable | undefined,
  length: number,
): Promise<Buffer> {
  if (stream === undefined) throw new Error("download returned no body");
  const body = Buffer.alloc(length);
  let filled = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    chunk.copy(body, filled);
    filled += chunk.length;
  }
  if (filled !== length) throw new Error(`downloaded ${filled} of ${length} bytes`);
  return body;
}

export async function naiveFullCopy(
  endpoints: Endpoints,
  params: Record<string, unknown>,
): Promise<TaskResult> {
  const source = blobRefParam(params, "source");
  const destination = pageBlob(endpoints, blobRefParam(params, "destination"));
  const allocatedBytes = numberParam(params, "allocatedBytes");
  const start = process.hrtime.bigint();
  const poller = await destination.beginCopyFromURL(readSasUrl(endpoints, source), { intervalInMs: 200 });
  const done = await poller.pollUntilDone();
  if (done.copyStatus !== "success") throw new Error(`copy ended ${done.copyStatus}`);
  await destination.createSnapshot();
  return { seconds: seconds(start), bytes: allocatedBytes, details: { copyStatus: done.copyStatus } };
}

export async function naiveIncremental(
  endpoints: Endpoints,
  params: Record<string, unknown>,
): Promise<TaskResult> {
  const source = pageBlob(endpoints, blobRefParam(params, "source"));
  const destination = pageBlob(endpoints, blobRefParam(params, "destination"));
  const prevSnapshot = stringParam(params, "prevSnapshot");
  const sizeBytes = numberParam(params, "sizeBytes");
  const start = process.hrtime.bigint();
  const diff = await source.getPageRangesDiff(0, sizeBytes, prevSnapshot);
  const diffSeconds = seconds(start);
  let bytes = 0;
  let writes = 0;
  for (const range of diff.pageRange ?? []) {
    // The SDK's count is end - start (inclusive end): the length is count + 1.
    const end = range.offset + (range.count ?? 0) + 1;
    for (let offset = range.offset; offset < end; offset += MAX_BODY) {
      const length = Math.min(MAX_BODY, end - offset);
      const response = await source.download(offset, length);
      const body = await readAll(response.readableStreamBody, length);
      await destination.uploadPages(body, offset, length);
      bytes += length;
      writes++;
    }
  }
  for (const range of diff.clearRange ?? [])
    await destination.clearPages(range.offset, (range.count ?? 0) + 1);
  await destination.createSnapshot();
  return {
    seconds: seconds(start),
    bytes,
    details: {
      diffSeconds,
      ranges: diff.pageRange?.length ?? 0,
      writes,
      clears: diff.clearRange?.length ?? 0,
    },
  };
}

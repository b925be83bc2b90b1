// Scenario 1, the ceiling: the best rate a minimal client loop gets from this emulator for 4 MiB Put Page
// From URL and for plain 4 MiB Put Page, over a concurrency sweep. Every other rate is compared to it.
import { BACKUP_ACCOUNT, type Bench, type Measurement, SOURCE_ACCOUNT } from "../bench";

export interface Ceiling {
  putPageFromUrl: { mibps: number; concurrency: number };
  putPage: { mibps: number; concurrency: number };
  /** Request rate of 4 KiB Put Page From URL: the ceiling for small, scattered changes. */
  smallPutPageFromUrl: { requestsPerSecond: number; concurrency: number };
}

const SMALL = 4096;

function best(ms: Measurement[]): { mibps: number; concurrency: number } {
  let top = { mibps: 0, concurrency: 0 };
  for (const m of ms) {
    if (m.mibps > top.mibps) top = { mibps: m.mibps, concurrency: Number(m.details.concurrency) };
  }
  return top;
}

export async function runCeiling(bench: Bench): Promise<Ceiling> {
  const { ceilingBytes, sweep } = bench.config;
  bench.log(`ceiling: ${ceilingBytes / 1024 / 1024} MiB per level, concurrency ${sweep.join(", ")}`);
  await bench.createContainer(SOURCE_ACCOUNT, "bench-ceiling");
  await bench.createContainer(BACKUP_ACCOUNT, "bench-ceiling");
  const source = bench.pageBlob(SOURCE_ACCOUNT, "bench-ceiling", "source");
  await source.create(ceilingBytes);
  await bench.writeRanges(source, [{ offset: 0, length: ceilingBytes }], 4);
  const fromUrl: Measurement[] = [];
  const plain: Measurement[] = [];
  for (const concurrency of sweep) {
    const ppfu = `ppfu-c${concurrency}`;
    await bench.pageBlob(BACKUP_ACCOUNT, "bench-ceiling", ppfu).create(ceilingBytes);
    fromUrl.push(
      await bench.measure(
        "1 ceiling",
        `Put Page From URL 4 MiB, concurrency ${concurrency}`,
        "ceilingPutPageFromUrl",
        {
          source: { account: SOURCE_ACCOUNT, container: "bench-ceiling", blob: "source" },
          destination: { account: BACKUP_ACCOUNT, container: "bench-ceiling", blob: ppfu },
          bytes: ceilingBytes,
          concurrency,
        },
        { repeatable: true },
      ),
    );
    const pp = `pp-c${concurrency}`;
    await bench.pageBlob(BACKUP_ACCOUNT, "bench-ceiling", pp).create(ceilingBytes);
    plain.push(
      await bench.measure(
        "1 ceiling",
        `Put Page 4 MiB, concurrency ${concurrency}`,
        "ceilingPutPage",
        {
          destination: { account: BACKUP_ACCOUNT, container: "bench-ceiling", blob: pp },
          bytes: ceilingBytes,
          concurrency,
        },
        { repeatable: true },
      ),
    );
  }
  const small: Measurement[] = [];
  const smallBytes = Math.min(ceilingBytes / 16, 256 * SMALL);
  for (const concurrency of [1, 8]) {
    const blob = `ppfu-small-c${concurrency}`;
    await bench.pageBlob(BACKUP_ACCOUNT, "bench-ceiling", blob).create(ceilingBytes);
    const m = await bench.measure(
      "1 ceiling",
      `Put Page From URL 4 KiB, concurrency ${concurrency}`,
      "ceilingPutPageFromUrl",
      {
        source: { account: SOURCE_ACCOUNT, container: "bench-ceiling", blob: "source" },
        destination: { account: BACKUP_ACCOUNT, container: "bench-ceiling", blob },
        bytes: smallBytes,
        chunkBytes: SMALL,
        concurrency,
      },
    );
    m.details.requestsPerSecond = Number(m.details.requests) / m.seconds;
    small.push(m);
  }
  const topSmall = small.reduce((a, b) =>
    Number(b.details.requestsPerSecond) > Number(a.details.requestsPerSecond) ? b : a,
  );
  const ceiling: Ceiling = {
    putPageFromUrl: best(fromUrl),
    putPage: best(plain),
    smallPutPageFromUrl: {
      requestsPerSecond: Number(topSmall.details.requestsPerSecond),
      concurrency: Number(topSmall.details.concurrency),
    },
  };
  for (const m of fromUrl) m.ratios.ofCeiling = m.mibps / ceiling.putPageFromUrl.mibps;
  for (const m of plain) m.ratios.ofPutPageCeiling = m.mibps / ceiling.putPage.mibps;
  return ceiling;
}

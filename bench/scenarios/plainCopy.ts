// The plain copy a measurement of ours runs in turns with (Bench.measureInTurns): the minimal Put Page From
// URL loop of scenario 1 over a contiguous source of as many bytes, on the scenario's own emulator.
import { BACKUP_ACCOUNT, type Bench, SOURCE_ACCOUNT, type TaskSpec } from "../bench";

export interface PlainCopyOptions {
  scenario: string;
  label: string;
  /** Containers (source account, backup account) that exist already; the blobs are made here. */
  sourceContainer: string;
  destinationContainer: string;
  sourceBlob: string;
  destinationBlob: string;
  bytes: number;
  concurrency: number;
}

/** Writes the source (`bytes` of data from the pool), makes the destination, and returns the loop's spec. */
export async function plainCopy(bench: Bench, options: PlainCopyOptions): Promise<TaskSpec> {
  const source = { account: SOURCE_ACCOUNT, container: options.sourceContainer, blob: options.sourceBlob };
  const destination = {
    account: BACKUP_ACCOUNT,
    container: options.destinationContainer,
    blob: options.destinationBlob,
  };
  const blob = bench.pageBlob(source.account, source.container, source.blob);
  await blob.create(options.bytes);
  await bench.writeRanges(blob, [{ offset: 0, length: options.bytes }], 4);
  await bench.pageBlob(destination.account, destination.container, destination.blob).create(options.bytes);
  return {
    scenario: options.scenario,
    label: options.label,
    task: "ceilingPutPageFromUrl",
    params: { source, destination, bytes: options.bytes, concurrency: options.concurrency },
  };
}

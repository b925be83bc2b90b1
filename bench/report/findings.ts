// The "what limits us" paragraphs of issue 16's scenarios (Azure-shaped profile, restore, revert by diff,
// many disks), written from the run's figures.
import type { Measurement } from "../bench";
import type { BenchRun } from "../model";
import { busyShare } from "./goals";

function f(value: number | undefined, digits = 2): string {
  return value === undefined || !Number.isFinite(value) ? "—" : value.toFixed(digits);
}

const MiB = 2 ** 20;
const requestsOf = (m: Measurement) => Object.values(m.requests).reduce((a, b) => a + b, 0);

function azureFinding(run: BenchRun, results: Measurement[]): string | undefined {
  const first = run.backups?.azureFirst;
  const profile = run.throttle;
  const ceiling = run.ceiling?.putPageFromUrl.mibps;
  if (!first || !profile) return undefined;
  const target = profile.blobBytesPerSecond / MiB;
  const restore = results.find((m) => m.task === "appRestoreDirect" && m.scenario === "11 azure");
  const busy = results
    .filter((m) => m.scenario === "11 azure" && m.throttle)
    .map(
      (m) => `${m.throttle?.serverBusy} of ${(m.throttle?.admitted ?? 0) + (m.throttle?.serverBusy ?? 0)}`,
    );
  return (
    `- **Azure-shaped limits.** The first backup moved ${f(first.bytes / MiB, 0)} MiB at ${f(first.mibps, 1)} MiB/s, ` +
    `${f((first.mibps / target) * 100, 0)}% of the per-blob target (${f(target, 0)} MiB/s), with ` +
    `${first.throttle?.serverBusy ?? 0} requests answered 503 (${f((busyShare(first) ?? 0) * 100, 2)}%): the pacer starts each ` +
    "blob's requests at 95% of its byte and request targets, so the buckets never run dry, and the rest is the " +
    `listing, the snapshot and ${profile.latencyMs} ms per request. ` +
    (restore
      ? `The restore's target copy reached ${f((restore.ratios.usableOfTarget ?? 0) * 100, 0)}% of the target and the whole ` +
        `restore ${f(restore.ratios.timeVsOneCopy)}× one copy at the target: the target blob carries its write and the ` +
        "verification's read back (twice the data through one blob's 60 MiB/s), so 2× is the floor there. "
      : "") +
    (ceiling !== undefined && ceiling < target * 1.5
      ? `On this machine the emulator's own ceiling (scenario 1: ${f(ceiling, 0)} MiB/s for Put Page From URL) is ` +
        "close to the profile's target, so whatever else the emulator serves meanwhile shows up as lost share. "
      : "") +
    `503s per measured case: ${busy.join(", ")}.`
  );
}

/**
 * What reading both sides back costs next to the copy on this emulator: the plain copy the restore ran in
 * turns with, then a plain read of both sides in the same round; for runs before that was measured, one
 * copy at the ceiling, then both sides read at the best paired-read rate scenario 9 measured.
 */
function readBackCost(
  ceilingMibps: number | undefined,
  results: Measurement[],
  restore: Measurement,
): string {
  const copyThenRead = restore.ratios.copyThenReadInTurns;
  const overIt = restore.ratios.timeVsCopyThenRead;
  if (copyThenRead !== undefined && overIt !== undefined) {
    return (
      `Measured in the same rounds, the plain copy followed by a plain read of as many bytes from both sides ` +
      `(4 MiB pieces, 4 pairs in flight, nothing hashed) took ${f(copyThenRead)}× the copy, and the whole restore ` +
      `${f(overIt)}× that (medians of three rounds): a restore verified by reading both sides back costs about a ` +
      "copy plus a read of both sides on this emulator's one thread. " +
      (copyThenRead > 2
        ? "Reading both sides took longer than the copy itself there, while 2× leaves it one copy's time. "
        : "Reading both sides took less than the copy itself there: 2× is within reach, by the margin that leaves " +
          "to the restore's own steps. ")
    );
  }
  const paired = results.filter(
    (m) => m.scenario === "9 lifecycle" && m.label.startsWith("paired-read ceiling"),
  );
  const best = Math.max(0, ...paired.map((m) => m.mibps));
  if (!ceilingMibps || best <= 0) return "";
  const floor = 1 + ceilingMibps / best;
  return (
    `The emulator compares at most ${f(best, 0)} MiB/s (scenario 9's paired-read ceiling: both sides read, nothing ` +
    `else done) against ${f(ceilingMibps, 0)} MiB/s for a copy, so a copy at the ceiling followed by a verification ` +
    `at its ceiling takes ${f(floor)}× one copy: ` +
    (floor <= 2
      ? "2× is within reach, by the margin the copy and the verification leave to the restore's own steps. "
      : "2× is out of reach on this run's emulator while the copy and the verification take turns on its one thread. ")
  );
}

function restoreFinding(run: BenchRun, results: Measurement[]): string | undefined {
  const [restore, atCeiling] = results.filter(
    (m) => m.task === "appRestoreDirect" && m.scenario === "7 restore",
  );
  if (!restore) return undefined;
  const usable = Number(restore.details.usableSeconds);
  const verify = Number(restore.details.verifySeconds);
  const ceilingMibps = run.ceiling?.putPageFromUrl.mibps;
  return (
    `- **Restore.** ${f(restore.bytes / MiB, 0)} MiB: the target was complete (usable) after ${f(usable)} s ` +
    `(${f((restore.ratios.usableOfCeiling ?? 0) * 100, 0)}% of the Put Page From URL ceiling), and the whole restore, ` +
    `verification and promotion included, took ${f(restore.seconds)} s (${f(restore.ratios.timeVsOneCopy)}× one copy at ` +
    `the ceiling; verifying while promoting ${f(verify)} s)` +
    (restore.ratios.timeVsSameStateCopy === undefined || restore.details.sameStateTimes === undefined
      ? ". "
      : `; against a plain copy of as many bytes run in turns with it on the same emulator state, the target was ` +
        `usable at ${f((restore.ratios.usableOfSameStateCopy ?? 0) * 100, 0)}% of that copy's rate and the whole ` +
        `restore took ${f(restore.ratios.timeVsSameStateCopy)}× its time (medians of three rounds). `) +
    (atCeiling
      ? `At the ceiling's concurrency instead of the app's 8 (set for the service's latency; the emulator admits ` +
        `8 MiB of copies at a time and queues the rest), the target was usable after ` +
        `${f(Number(atCeiling.details.usableSeconds))} s (${f((atCeiling.ratios.usableOfCeiling ?? 0) * 100, 0)}% of the ` +
        `ceiling) and the whole restore took ${f(atCeiling.seconds)} s (${f(atCeiling.ratios.timeVsOneCopy)}×): the ` +
        "restore's own steps add little to the copy. "
      : "") +
    "The target is copied first, server side (Put Page From URL), so it is usable at the service's copy rate; the " +
    "service then promotes the restore point (Copy Blob within the backup account: a metadata copy here) while the " +
    "verification reads the restore point and the target side by side and compares them as the bytes arrive " +
    "(neither side buffered whole; only the restore point's side is hashed, the SHA-256 per range that the " +
    "checkpoint and the record keep). That is three reads and one write of the data against one read and one write " +
    "for a single copy, all served by the emulator's one thread. " +
    readBackCost(ceilingMibps, results, restore) +
    "In Azure the copy's read and write are the service's, and the function moves two units of data (two reads) " +
    "instead of four for a relayed copy."
  );
}

function revertFinding(run: BenchRun): string | undefined {
  const cases = run.revert?.cases ?? [];
  if (cases.length === 0) return undefined;
  const parts = cases.map(
    (c) =>
      `${c.label}: backup ${f(c.backup.seconds)} s (${requestsOf(c.backup)} blob requests), revert ` +
      `${f(c.revert.seconds)} s (${requestsOf(c.revert)}), full restore of the point ${f(c.full.seconds)} s`,
  );
  return (
    `- **Revert by diff.** ${parts.join("; ")}. The revert writes only what differs, so it costs the same on both ` +
    "disk sizes and a fraction of a full restore; but it moves the change three times (the incremental safety " +
    "point into the chain's backup blob, the disk, and the chain's backup blob back to the point) and reads it " +
    "back once to verify, in eleven steps against the backup's four (resolve and lock, two snapshots, safety " +
    "record, two prepared copies, verification with the disk's own diff, completion). For a change this small " +
    "every step is a few round trips, so the step count, not the bytes, sets what the revert costs over the backup." +
    azureRevertText(cases)
  );
}

/** The Azure-shaped rounds: each request's round trip sets the pace there, not this machine's load. */
function azureRevertText(cases: NonNullable<BenchRun["revert"]>["cases"]): string {
  const azure = cases.flatMap((c) => (c.azure ? [{ label: c.label, ...c.azure }] : []));
  if (azure.length === 0) return "";
  return (
    " Under the Azure-shaped profile (10 ms per request, each blob paced): " +
    azure
      .map(
        (c) =>
          `${c.label}: backup ${f(c.backup.seconds)} s, revert ${f(c.revert.seconds)} s ` +
          `(${f(c.revert.ratios.timeVsBackup)}×; rounds ${c.revert.details.roundRatios ?? "—"})`,
      )
      .join("; ") +
    ". There the steps' sequential round trips are the cost, and a step reads a blob beside its lease and " +
    "a relayed batch reads ahead of its leases, so the revert waits for as few of them as its order allows."
  );
}

function manyFinding(run: BenchRun): string | undefined {
  const many = run.many;
  if (!many) return undefined;
  const r = many.runtime;
  return (
    `- **Many disks.** One run of ${many.disks} disks took ${f(r.seconds, 1)} s through the local runtime against ` +
    `${f(many.engine.seconds, 1)} s for the copy engine alone, ${many.parallelDisks} disks at a time ` +
    `(${f(r.ratios.timeVsEngine)}×); the run ended ${f(Number(r.details.runEndLagSeconds))} s after its last disk. ` +
    `Per disk the run added ${f((requestsOf(r) - requestsOf(many.engine)) / many.disks, 0)} blob requests to the copy's ` +
    "(snapshot, stamp, lease, lock, lineage, run store, pruning) on the emulator's one thread, which the copies " +
    `need too; the emulator's thread spent ${f(Number(r.details.emulatorSaveSeconds), 1)} s saving what it acknowledged ` +
    `(${r.details.emulatorSaves} saves) against ${f(Number(many.engine.details.emulatorSaveSeconds), 1)} s ` +
    `(${many.engine.details.emulatorSaves}) during the engine's run. History: ${f(Number(r.details.historyEvents) / many.disks, 1)} events per disk (the run's own ` +
    `${r.details.runEvents} events included), peak RSS ${f(r.peakRssMiB, 0)} MiB for the runtime, the app and ` +
    `${many.disks} orchestrations in memory.`
  );
}

export function issue16Findings(run: BenchRun, results: Measurement[]): Array<string | undefined> {
  return [azureFinding(run, results), restoreFinding(run, results), revertFinding(run), manyFinding(run)];
}

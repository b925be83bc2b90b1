// How a backup reads its source snapshot, the one thing that differs between kinds of source. A page
// blob: its blob snapshot, `prevsnapshot` diffs (paged), the app's own credential as copy source. A
// managed disk: the SAS Resource Manager granted for the run, `x-ms-previous-snapshot-url` diffs in
// segments, the SAS as copy source. Everything on the backup side (blob, stamp, lease, batches, copy
// engine, restore point) is the same code for both.
import type { PageBlobClient } from "@azure/storage-blob";
import type { AppContext } from "../app/context";
import { requireComputeId, sasSecondsFor } from "../compute/resourceIds";
import { grantRead } from "../compute/snapshots";
import { listRanges, type RangeListing } from "../copy/diff";
import { listManagedDiff } from "../copy/managedDiff";
import { isPermissionDenied } from "../storage/errors";
import { sasPageBlob, sasSource } from "../storage/sas";
import { authorizeSource, type SourceAuthorizer } from "../storage/sourceAuth";
import { requireBlobUrl } from "../storage/urls";
import { loadAccess, saveAccess } from "./managedSource";
import type { BeginResult } from "./types";

export interface SourceReader {
  /** Changed and cleared ranges since the diff base (throws ChainBreakError when the pair cannot be diffed). */
  diff(): Promise<RangeListing>;
  /** Allocated ranges of the run's snapshot (a full, sparse copy). */
  allocated(): Promise<RangeListing>;
  /** What Put Page From URL reads. */
  copySource(): SourceAuthorizer;
  /** The run's snapshot, for reads of its own (the allocated ranges around small gaps). */
  snapshot: PageBlobClient;
}

export async function sourceReaderOf(ctx: AppContext, run: BeginResult): Promise<SourceReader> {
  if (run.managed) {
    const access = await loadAccess(ctx, run);
    const blob = sasPageBlob(access.sasUrl, "none");
    const common = { blob, sizeBytes: run.sizeBytes };
    const diffAgainst = (previousSasUrl: string) =>
      listManagedDiff({ ...common, previousSasUrl, segmentBytes: ctx.tuning.managedSegmentBytes });
    return {
      diff: async () => {
        const base = run.managed?.prevSnapshotResourceId;
        if (!access.previousSasUrl || !base) {
          throw new Error(`backup ${run.diskId}: no access to the diff base was granted`);
        }
        try {
          return await diffAgainst(access.previousSasUrl);
        } catch (error) {
          if (!isPermissionDenied(error)) throw error;
          // The previous point's verification may have been granted (and revoked) access to the same
          // snapshot meanwhile, which ends this run's SAS on it: grant it again, once.
          ctx.log(`backup ${run.diskId}: the SAS on the diff base ended early; granting it again`);
          const previousSasUrl = await grantRead(
            ctx.compute,
            requireComputeId(base, "snapshots"),
            sasSecondsFor(run.sizeBytes),
            { waitMs: ctx.tuning.armWaitMs },
          );
          await saveAccess(ctx, run, { ...access, previousSasUrl });
          return diffAgainst(previousSasUrl);
        }
      },
      allocated: () => listRanges({ ...common, segmentBytes: ctx.tuning.segmentBytes }),
      copySource: () => sasSource(access.sasUrl),
      snapshot: blob,
    };
  }
  const source = requireBlobUrl(run.sourceUrl);
  const snapshot = ctx.storage.pageBlob(source, { snapshot: run.sourceSnapshot, retry: "none" });
  const common = { blob: snapshot, sizeBytes: run.sizeBytes, segmentBytes: ctx.tuning.segmentBytes };
  return {
    diff: () => listRanges({ ...common, prevSnapshot: run.prevSourceSnapshot ?? undefined }),
    allocated: () => listRanges(common),
    copySource: () => authorizeSource(ctx.storage, source, run.sourceSnapshot),
    snapshot,
  };
}

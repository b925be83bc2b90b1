// Azurite's Copy Blob of a page blob stores the source's page-range array itself in the copy, so a
// write to either changes both (a restored blob's writes showed up in its restore point). Here every
// blob document gets its own array as it is inserted: a copy is then independent at the cost of its
// range list, as the service's copy is, and moves no data (the extents are shared and never rewritten).

interface BlobDocument {
  pageRangesInOrder?: unknown[];
}

interface LokiBlobCollection {
  insert(doc: BlobDocument | BlobDocument[]): unknown;
}

interface LokiBlobMetadataStore {
  readonly BLOBS_COLLECTION: string;
  db: { getCollection(name: string): LokiBlobCollection | null };
}

type CopyMethod = (this: LokiBlobMetadataStore, ...args: unknown[]) => Promise<unknown>;

/**
 * Azurite's range manager replaces the entries a write touches and splices the array in place; it never
 * changes an entry, so copying the array (not its entries) separates two blobs completely.
 */
function ownRanges(doc: BlobDocument): BlobDocument {
  if (Array.isArray(doc.pageRangesInOrder)) doc.pageRangesInOrder = doc.pageRangesInOrder.slice();
  return doc;
}

const isolated = new WeakSet<LokiBlobCollection>();

function isolateInserts(collection: LokiBlobCollection): void {
  if (isolated.has(collection)) return;
  isolated.add(collection);
  const insert = collection.insert.bind(collection);
  collection.insert = (doc) => insert(Array.isArray(doc) ? doc.map(ownRanges) : ownRanges(doc));
}

let patched = false;

/**
 * Gives every copied page blob its own range list (Azurite 3.37's LokiBlobMetadataStore: Copy Blob and
 * Copy Blob From URL are the only inserts that share a list); idempotent.
 */
export function keepCopiesIndependent(): void {
  if (patched) return;
  patched = true;
  const store = (
    require("azurite/dist/src/blob/persistence/LokiBlobMetadataStore") as {
      default: { prototype: Record<"startCopyFromURL" | "copyFromURL", CopyMethod> };
    }
  ).default.prototype;
  for (const name of ["startCopyFromURL", "copyFromURL"] as const) {
    const copy = store[name];
    // The collection is looked up per call: a database loaded again has new collection objects.
    store[name] = function (this: LokiBlobMetadataStore, ...args: unknown[]) {
      const blobs = this.db.getCollection(this.BLOBS_COLLECTION);
      if (blobs !== null) isolateInserts(blobs);
      return copy.apply(this, args);
    };
  }
}

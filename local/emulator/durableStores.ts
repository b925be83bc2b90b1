// Wires group commit (durability.ts) into Azurite 3.37's blob and table servers in disk mode: which
// store methods answer requests, which Loki databases they change (and share a redo log), and how
// table batches stay whole.
import {
  GroupCommit,
  type LokiDatabase,
  recoverInterruptedSave,
  type WrapRule,
  wrapStoreMethods,
} from "./durability";

interface LokiStore {
  db: LokiDatabase;
  init(): Promise<void>;
  close(): Promise<void>;
}

/** The blob store's request methods (LokiBlobMetadataStore, azurite 3.37.0); its helpers are left alone. */
const BLOB_METHODS = [
  "setServiceProperties",
  "getServiceProperties",
  "listContainers",
  "createContainer",
  "getContainerProperties",
  "deleteContainer",
  "setContainerMetadata",
  "getContainerACL",
  "setContainerACL",
  "acquireContainerLease",
  "releaseContainerLease",
  "renewContainerLease",
  "breakContainerLease",
  "changeContainerLease",
  "checkContainerExist",
  "filterBlobs",
  "listBlobs",
  "createBlob",
  "createSnapshot",
  "downloadBlob",
  "getBlob",
  "getBlobProperties",
  "deleteBlob",
  "setBlobHTTPHeaders",
  "setBlobMetadata",
  "acquireBlobLease",
  "releaseBlobLease",
  "renewBlobLease",
  "changeBlobLease",
  "breakBlobLease",
  "checkBlobExist",
  "getBlobType",
  "startCopyFromURL",
  "copyFromURL",
  "setTier",
  "stageBlock",
  "appendBlock",
  "commitBlockList",
  "getBlockList",
  "uploadPages",
  "clearRange",
  "getPageRanges",
  "resizePageBlob",
  "updateSequenceNumber",
  "setBlobTag",
  "getBlobTag",
  "sealBlob",
];

/** The table store's request methods (LokiTableMetadataStore), with the position of their batchId. */
const TABLE_METHODS: Record<string, WrapRule> = {
  createTable: {},
  deleteTable: {},
  setTableACL: {},
  getTable: {},
  queryTable: {},
  insertTableEntity: { batchArg: 4 },
  insertOrUpdateTableEntity: { batchArg: 5 },
  insertOrMergeTableEntity: { batchArg: 5 },
  deleteTableEntity: { batchArg: 6 },
  updateTableEntity: { batchArg: 5 },
  mergeTableEntity: { batchArg: 5 },
  queryTableEntities: {},
  queryTableEntitiesWithPartitionAndRowKey: { batchArg: 5 },
  getTableAccessPolicy: {},
  setTableAccessPolicy: {},
  getServiceProperties: {},
  setServiceProperties: {},
};

const BACKGROUND_SAVE_MS = 5000;

/** The group's redo log lies beside its last database: `__azurite_db_blob__.json.redo`. */
const logOf = (db: LokiDatabase) => ({ logPath: `${db.filename}.redo` });
const BATCH_HOLD_LIMIT_MS = 30_000;

// Loki's own timer would write the same files behind the group commit's back (and clear the dirty
// flags the commit relies on): it is stopped at construction and again after loading. The redo log
// is replayed onto each database once Azurite's init has loaded it (and added any missing collection).
function takeOverSaves(stores: LokiStore[], commit: GroupCommit): void {
  for (const store of stores) {
    store.db.autosaveDisable();
    const init = store.init.bind(store);
    store.init = async () => {
      recoverInterruptedSave(store.db.filename);
      await init();
      store.db.autosaveDisable();
      commit.attach(store.db);
    };
    const close = store.close.bind(store);
    store.close = async () => {
      await commit.close();
      await close();
    };
  }
  commit.startBackgroundSaves(BACKGROUND_SAVE_MS);
}

/** Blob server: Put Page changes the extent database (data location) and the blob database (page map). */
export function makeBlobServerDurable(server: object): GroupCommit {
  const { metadataStore, extentMetadataStore } = server as {
    metadataStore: LokiStore;
    extentMetadataStore: LokiStore;
  };
  const commit = new GroupCommit([extentMetadataStore.db, metadataStore.db], logOf(metadataStore.db));
  takeOverSaves([extentMetadataStore, metadataStore], commit);
  wrapStoreMethods(metadataStore, Object.fromEntries(BLOB_METHODS.map((name) => [name, {}])), commit);
  return commit;
}

/** Table server: entity group transactions are saved whole (no save starts while one is half applied). */
export function makeTableServerDurable(server: object): GroupCommit {
  const { metadataStore } = server as { metadataStore: LokiStore & Record<string, unknown> };
  const commit = new GroupCommit([metadataStore.db], logOf(metadataStore.db));
  takeOverSaves([metadataStore], commit);
  wrapStoreMethods(metadataStore, TABLE_METHODS, commit);
  const releases = new Map<string, () => void>();
  const begin = metadataStore.beginBatchTransaction as (batchId: string) => Promise<void>;
  const end = metadataStore.endBatchTransaction as (...args: unknown[]) => Promise<void>;
  metadataStore.beginBatchTransaction = async (batchId: string) => {
    await begin.call(metadataStore, batchId);
    const release = commit.hold();
    releases.set(batchId, release);
    // A batch takes milliseconds; one that never ends (a bug) must not stop every save after it.
    setTimeout(release, BATCH_HOLD_LIMIT_MS).unref();
  };
  metadataStore.endBatchTransaction = async (...args: unknown[]) => {
    const batchId = String(args[2]);
    try {
      await end.apply(metadataStore, args);
    } finally {
      releases.get(batchId)?.();
      releases.delete(batchId);
      await commit.sync();
    }
  };
  return commit;
}

// A page blob's document carries its whole page-range list, and a write changes a few entries of it:
// logging the document whole made each record as large as the blob is fragmented (tens of KB per 4 KiB
// write after a few thousand writes; a tenth of the emulator's thread under small copies). So a long
// range list is logged as edits of the list the log last recorded for that document.
import type { LokiCollection, LokiDocument } from "./redoLog";

/**
 * Fields logged as edits. Azurite's PageBlobRangesManager replaces the entries a write touches with
 * new objects and never changes an entry in place, so entries equal by reference are unchanged.
 */
const EDITED_FIELDS = ["pageRangesInOrder"];

/** Shorter lists are logged whole: edits would save little. */
const MIN_EDITED_LENGTH = 32;

/** From the current position: keep `keep` entries, drop `drop` entries, insert `insert`. */
export type Edit = [keep: number, drop: number, insert: unknown[]];

/** A changed document as its fields other than the edited lists, and the lists' edits. */
export interface DocumentPatch {
  doc: LokiDocument;
  edits: Record<string, Edit[]>;
}

/** Per collection and document: the edited fields' lists as the log holds them (entry references). */
const logged = new WeakMap<LokiCollection, Map<number, Map<string, unknown[]>>>();

/**
 * The edits that turn `before` into `after`, or undefined if the entries kept do not appear in the same
 * order (not something Azurite does; then the document is logged whole). Several writes committed
 * together make several edits, each as long as what it changed.
 */
function editsOf(before: unknown[], after: unknown[]): Edit[] | undefined {
  const old = new Set(before);
  const edits: Edit[] = [];
  let at = 0;
  let keep = 0;
  let drop = 0;
  let insert: unknown[] = [];
  for (const entry of after) {
    if (!old.has(entry)) {
      insert.push(entry);
      continue;
    }
    while (at < before.length && before[at] !== entry) {
      drop++;
      at++;
    }
    if (at === before.length) return undefined;
    if (drop > 0 || insert.length > 0) {
      edits.push([keep, drop, insert]);
      keep = 0;
      drop = 0;
      insert = [];
    }
    keep++;
    at++;
  }
  drop += before.length - at;
  if (drop > 0 || insert.length > 0) edits.push([keep, drop, insert]);
  return edits;
}

/** Copies (of the entry references) of the document's lists long enough to be logged as edits. */
function longLists(doc: LokiDocument): Map<string, unknown[]> {
  const lists = new Map<string, unknown[]>();
  for (const field of EDITED_FIELDS) {
    const list = doc[field];
    if (Array.isArray(list) && list.length >= MIN_EDITED_LENGTH) lists.set(field, list.slice());
  }
  return lists;
}

/**
 * How to log a changed document: as a patch against what the log holds for it, or undefined to log it
 * whole. Either way, what is logged now becomes the base of its next patch.
 */
export function patchOf(coll: LokiCollection, doc: LokiDocument): DocumentPatch | undefined {
  let docs = logged.get(coll);
  const before = docs?.get(doc.$loki);
  const now = longLists(doc);
  let patch: DocumentPatch | undefined;
  for (const [field, list] of now) {
    const base = before?.get(field);
    const edits = base === undefined ? undefined : editsOf(base, list);
    if (edits === undefined) continue;
    patch ??= { doc: { ...doc }, edits: {} };
    delete patch.doc[field];
    patch.edits[field] = edits;
  }
  if (now.size > 0) {
    if (docs === undefined) {
      docs = new Map();
      logged.set(coll, docs);
    }
    docs.set(doc.$loki, now);
  } else {
    docs?.delete(doc.$loki);
  }
  return patch;
}

/** The document was removed: its next insert (a new $loki) is logged whole anyway. */
export function forgetDocument(coll: LokiCollection, id: number): void {
  logged.get(coll)?.delete(id);
}

/** After a checkpoint the snapshot is the base of every document's next patch. */
export function rememberCollection(coll: LokiCollection): void {
  const docs = new Map<number, Map<string, unknown[]>>();
  for (const doc of coll.data) {
    const lists = longLists(doc);
    if (lists.size > 0) docs.set(doc.$loki, lists);
  }
  logged.set(coll, docs);
}

/** The document `patch` describes, from the document as the log left it before. */
export function applyPatch(current: LokiDocument, patch: DocumentPatch, where: string): LokiDocument {
  const next: LokiDocument = { ...patch.doc };
  for (const [field, edits] of Object.entries(patch.edits)) {
    const list = current[field];
    if (!Array.isArray(list)) throw new Error(`${where}: document ${current.$loki} has no list ${field}`);
    const out: unknown[] = [];
    let at = 0;
    for (const [keep, drop, insert] of edits) {
      if (at + keep + drop > list.length) {
        throw new Error(`${where}: the edits of ${field} do not fit document ${current.$loki}`);
      }
      for (let i = 0; i < keep; i++) out.push(list[at + i]);
      at += keep + drop;
      for (const entry of insert) out.push(entry);
    }
    for (; at < list.length; at++) out.push(list[at]);
    next[field] = out;
  }
  return next;
}

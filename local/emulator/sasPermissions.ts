// Azurite 3.37 knows no SAS permission for Put Page From URL (its handler is ours, pages/put-page-from-
// url.ts): a SAS-authorized request to it throws inside Azurite's SAS check and answers 500. The
// service requires Write on the destination, as for Put Page; the maps get that entry here, so a write
// SAS (a managed disk's upload URL) can be the destination of Put Page From URL, as AzCopy uses it.

interface PermissionMap {
  has(key: number): boolean;
  get(key: number): unknown;
  set(key: number, value: unknown): void;
}

let patched = false;

/** Gives PageBlob_UploadPagesFromURL the SAS permissions of PageBlob_UploadPages (once per process). */
export function allowSasPutPageFromUrl(): void {
  if (patched) return;
  // Deep imports, pinned with azurite 3.37.0 like the others (azurite.ts).
  const operations = (
    require("azurite/dist/src/blob/generated/artifacts/operation") as { default: Record<string, number> }
  ).default;
  const blobSas = require("azurite/dist/src/blob/authentication/OperationBlobSASPermission") as Record<
    string,
    PermissionMap
  >;
  const accountSas = require("azurite/dist/src/blob/authentication/OperationAccountSASPermission") as Record<
    string,
    PermissionMap
  >;
  const from = operations.PageBlob_UploadPages;
  const to = operations.PageBlob_UploadPagesFromURL;
  if (from === undefined || to === undefined) return;
  for (const map of [
    blobSas.OPERATION_BLOB_SAS_BLOB_PERMISSIONS,
    blobSas.OPERATION_BLOB_SAS_CONTAINER_PERMISSIONS,
    accountSas.default,
  ]) {
    if (map && !map.has(to) && map.has(from)) map.set(to, map.get(from));
  }
  patched = true;
}

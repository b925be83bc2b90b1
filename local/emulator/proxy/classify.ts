// Classifies a blob-service request into the operation kinds used by stats, faults and routing.
import type { IncomingHttpHeaders } from "node:http";
import { headerValue } from "./httpUtil";

export const OPERATION_KINDS = [
  "putPage",
  "putPageFromUrl",
  "clearPages",
  "getPageRanges",
  "getPageRangesDiff",
  "getBlob",
  "createSnapshot",
  "copyBlob",
  "createBlob",
  "resize",
  "deleteBlob",
  "getProperties",
  "other",
  /** Not a request of its own: the source read inside a Put Page From URL (for source-side faults). */
  "copySource",
] as const;
export type OperationKind = (typeof OPERATION_KINDS)[number];

/** An IP-style request path: /account/container/blob (blob names may contain slashes). */
export interface BlobAddress {
  account: string;
  container: string | undefined;
  blob: string | undefined;
}

export function parseAddress(pathname: string): BlobAddress {
  const parts = pathname.split("/").slice(1);
  const account = decodeURIComponent(parts[0] ?? "");
  const container = parts[1] ? decodeURIComponent(parts[1]) : undefined;
  const blobParts = parts.slice(2);
  const blob =
    blobParts.length > 0 && blobParts.join("/") !== "" ? decodeURIComponent(blobParts.join("/")) : undefined;
  return { account, container, blob };
}

function classifyPut(comp: string | null, headers: IncomingHttpHeaders): OperationKind {
  if (comp === "page") {
    if (headerValue(headers, "x-ms-copy-source") !== undefined) return "putPageFromUrl";
    return headerValue(headers, "x-ms-page-write")?.toLowerCase() === "clear" ? "clearPages" : "putPage";
  }
  if (comp === "snapshot") return "createSnapshot";
  if (comp === "properties") {
    return headerValue(headers, "x-ms-blob-content-length") !== undefined ? "resize" : "other";
  }
  if (comp !== null) return "other";
  if (headerValue(headers, "x-ms-copy-source") !== undefined) return "copyBlob";
  if (headerValue(headers, "x-ms-blob-type") !== undefined) return "createBlob";
  return "other";
}

export function classify(method: string, url: URL, headers: IncomingHttpHeaders): OperationKind {
  const address = parseAddress(url.pathname);
  if (address.blob === undefined) return "other";
  const comp = url.searchParams.get("comp");
  switch (method) {
    case "PUT":
      return classifyPut(comp, headers);
    case "GET":
      if (comp === "pagelist") {
        const diff =
          url.searchParams.has("prevsnapshot") ||
          headerValue(headers, "x-ms-previous-snapshot-url") !== undefined;
        return diff ? "getPageRangesDiff" : "getPageRanges";
      }
      return comp === null ? "getBlob" : "other";
    case "HEAD":
      return comp === null ? "getProperties" : "other";
    case "DELETE":
      return comp === null ? "deleteBlob" : "other";
    default:
      return "other";
  }
}

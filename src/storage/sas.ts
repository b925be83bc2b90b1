// Clients for URLs that carry their own authorization: the SAS URLs Resource Manager hands out for a
// managed disk's snapshot (read) or an upload (write). No credential of the app is ever attached to
// them, and a SAS URL never appears in a log line or a lineage row (it is a credential).
import { AnonymousCredential, PageBlobClient, type StoragePipelineOptions } from "@azure/storage-blob";
import type { SourceAuthorizer } from "./sourceAuth";

/** A page blob client authorized by the SAS in its URL only; `retry: "none"` for the copy engine. */
export function sasPageBlob(sasUrl: string, retry: "sdk" | "none" = "sdk"): PageBlobClient {
  const options: StoragePipelineOptions = {
    retryOptions:
      retry === "sdk" ? { maxTries: 4, retryDelayInMs: 800, maxRetryDelayInMs: 30_000 } : { maxTries: 1 },
    keepAliveOptions: { enable: true },
  };
  return new PageBlobClient(sasUrl, new AnonymousCredential(), options);
}

/** The URL without its query (the SAS): what may be shown to people. */
export function withoutSas(url: string): string {
  return url.split("?")[0] ?? "";
}

/** A copy source whose SAS was granted for the whole run (Put Page From URL reads it as is). */
export function sasSource(sasUrl: string): SourceAuthorizer {
  return {
    issued: 1,
    current: async () => ({ url: sasUrl }),
  };
}

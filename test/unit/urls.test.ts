// Storage URL parsing against hostile input: names are checked after decoding, as the SDK will send
// them, and a seeded property test shows that the URL the SDK finally requests for any accepted blob
// URL stays in the account, container and blob that were checked.
import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import { describe, expect, it } from "vitest";
import { EndpointNotAllowedError, StorageAccess } from "../../src/storage/clients";
import {
  blobNameProblem,
  MAX_BLOB_NAME_LENGTH,
  parseBlobUrl,
  parseStorageScope,
  parseTableUrl,
} from "../../src/storage/urls";
import { seededRandom } from "../support/random";

const KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
const EMU = "http://127.0.0.1:10000";
const SRC = `${EMU}/devstoreaccount1/vhds`;

describe("parseBlobUrl refuses what the SDK or the service would send elsewhere", () => {
  it.each([
    [
      "encoded traversal into another account",
      `${SRC}/..%2F..%2Fdevbackupaccount%2Fbackups%2Fx.vhd`,
      /'\.\.'/,
    ],
    ["encoded traversal, mixed case", `${SRC}/a%2f%2E%2E%2f%2e%2E%2fb.vhd`, /'\.\.'/],
    ["encoded dot segment", `${SRC}/a/.%2Fb.vhd`, /'\.\.'|'\.'/],
    ["bad escape", `${SRC}/%ZZ.vhd`, /invalid percent-escape/],
    ["truncated escape", `${SRC}/x%2.vhd`, /invalid percent-escape/],
    ["invalid UTF-8", `${SRC}/%E0%A4%A.vhd`, /invalid percent-escape/],
    ["overlong UTF-8", `${SRC}/%C0%AE%C0%AE/x.vhd`, /invalid percent-escape/],
    ["NUL", `${SRC}/a%00b.vhd`, /control/],
    ["raw tab (the URL parser would drop it)", `${SRC}/a\tb.vhd`, /control/],
    ["escaped newline", `${SRC}/a%0Ab.vhd`, /control/],
    ["C1 control", `${SRC}/a%C2%85b.vhd`, /control/],
    ["backslash", `${SRC}/a%5C..%5Cb.vhd`, /backslash/],
    ["empty segment", `${SRC}/a//b.vhd`, /empty path segment/],
    ["encoded empty segment", `${SRC}/a%2F%2Fb.vhd`, /empty path segment/],
    ["trailing slash on a blob", `${SRC}/a/`, /empty path segment/],
    ["name ending with a dot", `${SRC}/disk.`, /ends with a dot/],
    ["1,025-character name", `${SRC}/${"n".repeat(1025)}`, /1025 characters long/],
    ["2,000-character name", `${SRC}/${"n".repeat(2000)}`, /2000 characters long/],
    ["trailing-dot IPv4 host", "http://127.0.0.1.:10000/devstoreaccount1/vhds/x.vhd", /ending with a dot/],
    ["trailing-dot host", "https://devstoreaccount1.blob.core.windows.net./vhds/x.vhd", /ending with a dot/],
    ["user info", "http://a@127.0.0.1:10000/devstoreaccount1/vhds/x.vhd", /user information/],
    ["empty user info", "http://@127.0.0.1:10000/devstoreaccount1/vhds/x.vhd", /user information/],
    ["user and password", "https://u:p@acct.blob.core.windows.net/vhds/x.vhd", /user information/],
    ["a port on a host-style endpoint", "https://acct.blob.core.windows.net:10000/vhds/x.vhd", /port/],
    ["a query", `${SRC}/x.vhd?sv=2020&sig=abc`, /query/],
    ["an empty query", `${SRC}/x.vhd?`, /query/],
    ["a fragment", `${SRC}/x.vhd#frag`, /query/],
    ["not http", "ftp://127.0.0.1/devstoreaccount1/vhds/x.vhd", /http/],
    ["an uppercase account", `${EMU}/DevStoreAccount1/vhds/x.vhd`, /storage account name/],
    [
      "an account name with a dash",
      "https://acct-secondary.blob.core.windows.net/vhds/x.vhd",
      /account name/,
    ],
    ["an invalid container", `${EMU}/devstoreaccount1/Vhds/x.vhd`, /container name/],
    ["a container with a double dash", `${EMU}/devstoreaccount1/a--b/x.vhd`, /container name/],
    ["no container", `${EMU}/devstoreaccount1`, /no container/],
  ])("%s", (_what, url, message) => {
    const parsed = parseBlobUrl(url);
    expect(parsed.ok, url).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(message);
  });

  it("resolves unencoded dot segments the way the SDK and the service will, then checks the result", () => {
    // The URL parser resolves these before anything else sees them: the location is the resolved one.
    expect(parseBlobUrl(`${SRC}/../../devbackupaccount/backups/x.vhd`)).toMatchObject({
      ok: true,
      value: { accountName: "devbackupaccount", containerName: "backups", blobName: "x.vhd" },
    });
    expect(parseBlobUrl(`${SRC}/%2e%2e/%2E%2E/devbackupaccount/backups/x.vhd`)).toMatchObject({
      ok: true,
      value: { accountName: "devbackupaccount", containerName: "backups" },
    });
  });

  it("accepts the names the service accepts, and decodes them once", () => {
    const cases: Array<[string, string]> = [
      [`${SRC}/a%20b/c%25d%23e%3Ff.vhd`, "a b/c%d#e?f.vhd"],
      [`${SRC}/%C3%A9t%C3%A9/%F0%9F%98%80.vhd`, "été/😀.vhd"],
      [`${SRC}/a%2Fb.vhd`, "a/b.vhd"],
      [`${SRC}/${"n".repeat(MAX_BLOB_NAME_LENGTH)}`, "n".repeat(MAX_BLOB_NAME_LENGTH)],
      [`${SRC}/..a/b..c/.d`, "..a/b..c/.d"],
    ];
    for (const [url, name] of cases) {
      const parsed = parseBlobUrl(url);
      expect(parsed.ok ? parsed.value.blobName : parsed.error).toBe(name);
      // the canonical URL parses back to the same place
      if (parsed.ok) expect(parseBlobUrl(parsed.value.url)).toEqual(parsed);
    }
    expect(parseBlobUrl("http://[::1]:10000/devstoreaccount1/vhds/x.vhd")).toMatchObject({
      ok: true,
      value: { serviceUrl: "http://[::1]:10000/devstoreaccount1", pathStyle: true },
    });
    expect(parseBlobUrl(`${SRC}/`)).toMatchObject({ ok: true, value: { blobName: undefined, url: SRC } });
  });

  it("parses account and container URLs for RESTORE_TARGETS, never blob URLs", () => {
    expect(parseStorageScope("https://acct.blob.core.windows.net/")).toEqual({
      ok: true,
      value: {
        serviceUrl: "https://acct.blob.core.windows.net",
        accountName: "acct",
        containerName: undefined,
        pathStyle: false,
      },
    });
    expect(parseStorageScope(`${EMU}/devstoreaccount1/restores`)).toMatchObject({
      ok: true,
      value: { serviceUrl: `${EMU}/devstoreaccount1`, containerName: "restores" },
    });
    expect(parseStorageScope(`${SRC}/x.vhd`)).toMatchObject({ ok: false, error: /not a blob URL/ });
    expect(parseStorageScope(`${EMU}/devstoreaccount1/..%2Fx`)).toMatchObject({ ok: false });
    expect(parseTableUrl("http://127.0.0.1.:10002/devbackupaccount/lineage")).toMatchObject({ ok: false });
  });
});

describe("storage clients go only where they were checked to go", () => {
  const storage = new StorageAccess({
    endpoints: { blob: [`${EMU}/devstoreaccount1`], table: [] },
    accountKeys: { devstoreaccount1: KEY },
  });

  it("refuses to build a client or a credential for an endpoint that is not configured", () => {
    const elsewhere = [
      "http://localhost:10000/devstoreaccount1/vhds/x.vhd",
      "http://127.0.0.2:10000/devstoreaccount1/vhds/x.vhd",
      "http://127.0.0.1:10001/devstoreaccount1/vhds/x.vhd",
      "http://127.0.0.1:10000/devbackupaccount/vhds/x.vhd",
      "https://devstoreaccount1.blob.core.windows.net/vhds/x.vhd",
    ];
    for (const url of elsewhere) {
      const parsed = parseBlobUrl(url);
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) continue;
      expect(() => storage.pageBlob(parsed.value), url).toThrow(EndpointNotAllowedError);
      expect(() => storage.credentialFor(parsed.value), url).toThrow(/not a configured blob endpoint/);
    }
    expect(() =>
      storage.table({
        url: "x",
        serviceUrl: `${EMU}/devstoreaccount1`,
        accountName: "devstoreaccount1",
        tableName: "t",
      }),
    ).toThrow(/not a configured table endpoint/);
  });

  it("refuses a location whose name the SDK would resolve into another place", () => {
    const forged = {
      url: "forged",
      serviceUrl: `${EMU}/devstoreaccount1`,
      accountName: "devstoreaccount1",
      containerName: "vhds",
      blobName: "../../devbackupaccount/backups/x.vhd",
      pathStyle: true,
    };
    expect(() => storage.pageBlob(forged)).toThrow(
      /would request http:\/\/127\.0\.0\.1:10000\/devbackupaccount/,
    );
  });

  it("keeps the SDK's final URL in the checked account, container and blob for every accepted URL (seeded)", () => {
    const { rand, seed } = seededRandom();
    console.log(`url property seed=${seed}`);
    const pieces = [
      "a",
      "Z",
      "0",
      ".",
      "..",
      "/",
      "//",
      "%",
      "%2F",
      "%2f",
      "%2E",
      "%2e%2e",
      "%5C",
      "\\",
      " ",
      "%20",
      "#",
      "%23",
      "?",
      "%3F",
      "'",
      "+",
      "&",
      "=",
      ":",
      "@",
      "~",
      "é",
      "😀",
      "%00",
      "%0A",
      "%ZZ",
      "%C3",
      "%C3%A9",
      "-",
      "_",
      "(",
      "!",
      "$",
      "*",
      ",",
      ";",
      "[",
      "]",
    ];
    const sdk = new BlobServiceClient(
      `${EMU}/devstoreaccount1`,
      new StorageSharedKeyCredential("devstoreaccount1", KEY),
    );
    let accepted = 0;
    let refused = 0;
    for (let i = 0; i < 3000; i++) {
      const length = 1 + Math.floor(rand() * 8);
      let path = "";
      for (let j = 0; j < length; j++) path += pieces[Math.floor(rand() * pieces.length)];
      const parsed = parseBlobUrl(`${SRC}/${path}`);
      if (!parsed.ok || parsed.value.blobName === undefined) {
        refused++;
        continue;
      }
      accepted++;
      const location = parsed.value;
      const checked = {
        account: location.accountName,
        container: location.containerName,
        blob: location.blobName,
      };
      expect(blobNameProblem(location.blobName ?? "")).toBeUndefined();
      // the SDK alone, building the client the way StorageAccess does
      const client = sdk.getContainerClient(location.containerName).getBlobClient(location.blobName ?? "");
      const final = parseBlobUrl(client.url);
      expect(final.ok, `${path} → ${client.url}`).toBe(true);
      if (!final.ok) continue;
      expect(
        {
          account: final.value.accountName,
          container: final.value.containerName,
          blob: final.value.blobName,
        },
        `seed ${seed}: ${path} → ${client.url}`,
      ).toEqual(checked);
      expect(new URL(client.url).origin).toBe(EMU);
      // and through StorageAccess, which checks the same thing before handing the client out
      expect(storage.pageBlob(location).url).toBe(client.url);
    }
    console.log(`url property: ${accepted} accepted, ${refused} refused`);
    expect(accepted).toBeGreaterThan(300);
    expect(refused).toBeGreaterThan(300);
  });
});

// Every failure says why: a storage error without a message (the service's answer to a HEAD request has
// no body) still gives a reason with its status and code, and a step that throws one passes that reason on.
import { RestError } from "@azure/storage-blob";
import { describe, expect, it } from "vitest";
import { runStep } from "../../src/activities/table";
import { messageOf } from "../../src/storage/errors";

describe("reasons of failures", () => {
  it("are never empty, even for a storage error without a message", () => {
    expect(messageOf(new RestError("", { statusCode: 500 }))).toBe(
      "RestError (HTTP 500) without a message from the service",
    );
    expect(messageOf(new RestError("", { statusCode: 404, code: "BlobNotFound" }))).toMatch(
      /HTTP 404 BlobNotFound/,
    );
    expect(messageOf(new RestError("The blob is leased.", { statusCode: 409, code: "LeaseIdMissing" }))).toBe(
      "LeaseIdMissing: The blob is leased.",
    );
    expect(messageOf("")).toBe("unknown error (no message)");
  });

  it("survive a step that throws an error without a message (what the engine keeps is the message)", async () => {
    const thrown = await runStep(async () => {
      throw new RestError("", { statusCode: 500 });
    }).catch((error: unknown) => error);
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).message).toMatch(/HTTP 500/);
    expect((thrown as Error).cause).toBeInstanceOf(RestError);
  });
});

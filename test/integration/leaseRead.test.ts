// Reading a blob beside its lease (src/storage/lease.ts propertiesUnderLease): the read is kept only when
// the lease answers with the ETag it saw, so a step saves a round trip without ever writing metadata
// merged from a state older than the lease.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { holdLease, LeaseConflictError, leaseIdFor, propertiesUnderLease } from "../../src/storage/lease";
import { createHarness, type Harness } from "./support/harness";

describe("properties read beside a lease (against the emulator)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness("leaseread");
  });
  afterAll(async () => {
    await h?.cleanup();
  });

  async function blobWith(name: string, metadata: Record<string, string>) {
    const blob = h.sources.getPageBlobClient(name);
    await blob.create(4096, { metadata });
    await h.emu.control.resetStats(`${h.sourcePrefix}/${name}`);
    return blob;
  }
  const headsOn = async (name: string) =>
    (await h.emu.control.getStats(`${h.sourcePrefix}/${name}`)).operations.getProperties?.requests;

  it("keeps the read when the lease answers with the same ETag: one read, beside the lease", async () => {
    const blob = await blobWith("same.vhd", { holds: "rp-1" });
    const leaseId = leaseIdFor("same");
    const props = await propertiesUnderLease(blob, holdLease(blob, leaseId, 15));
    expect(props.metadata).toEqual({ holds: "rp-1" });
    expect(await headsOn("same.vhd")).toBe(1);
    // A renewal answers with the same ETag too (a lease changes no byte and no metadata).
    const again = await propertiesUnderLease(blob, holdLease(blob, leaseId, 15));
    expect(again.etag).toBe(props.etag);
    expect(await headsOn("same.vhd")).toBe(2);
  });

  it("reads again when the lease answers with an ETag the read did not see", async () => {
    const blob = await blobWith("changed.vhd", { holds: "rp-1" });
    // The lease answered for the blob as it was before a write the read saw: the two disagree.
    const before = (await blob.getProperties()).etag;
    await blob.setMetadata({ holds: "rp-2" });
    await h.emu.control.resetStats(`${h.sourcePrefix}/changed.vhd`);
    const props = await propertiesUnderLease(blob, Promise.resolve(before));
    expect(props.metadata).toEqual({ holds: "rp-2" });
    expect(await headsOn("changed.vhd")).toBe(2);
    // A lease answer without an ETag proves nothing either.
    await h.emu.control.resetStats(`${h.sourcePrefix}/changed.vhd`);
    await propertiesUnderLease(blob, Promise.resolve(undefined));
    expect(await headsOn("changed.vhd")).toBe(2);
  });

  it("fails as the lease fails when another writer holds it, whatever the read found", async () => {
    const blob = await blobWith("taken.vhd", { holds: "rp-1" });
    await holdLease(blob, leaseIdFor("other writer"), 15);
    await expect(
      propertiesUnderLease(blob, holdLease(blob, leaseIdFor("this run"), 15)),
    ).rejects.toBeInstanceOf(LeaseConflictError);
  });
});

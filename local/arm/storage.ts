// The disks' bytes in the storage emulator (account devdiskaccount): disk blobs, their blob
// snapshots, full-snapshot copies, the VHD footer, and the stored access policies behind SAS URLs.
import {
  BlobSASPermissions,
  ContainerClient,
  generateBlobSASQueryParameters,
  type PageBlobClient,
  StorageSharedKeyCredential,
} from "@azure/storage-blob";
import type { BlobLocation, Grant } from "./state";
import { FOOTER_SIZE, fixedVhdFooter } from "./vhd";

export const DISK_CONTAINER = "disks";
export const FULL_SNAPSHOT_CONTAINER = "snapshots";

/** Blob operations of the stand-in, authorized with the account key (never by the callers' SAS). */
export class DiskStorage {
  readonly account: string;
  private readonly credential: StorageSharedKeyCredential;

  constructor(
    readonly blobEndpoint: string,
    accountKey: string,
    /** Containers of disk blobs and of full-snapshot copies; the stand-in owns their access policies. */
    readonly diskContainer = DISK_CONTAINER,
    readonly snapshotContainer = FULL_SNAPSHOT_CONTAINER,
  ) {
    const account = new URL(blobEndpoint).pathname.split("/").filter(Boolean)[0];
    if (account === undefined) throw new Error(`blobEndpoint ${blobEndpoint} must end with the account name`);
    this.account = account;
    this.credential = new StorageSharedKeyCredential(account, accountKey);
  }

  container(name: string): ContainerClient {
    return new ContainerClient(`${this.blobEndpoint.replace(/\/$/, "")}/${name}`, this.credential);
  }

  private page(location: BlobLocation): PageBlobClient {
    const client = this.container(location.container).getPageBlobClient(location.name);
    return location.snapshot === undefined ? client : client.withSnapshot(location.snapshot);
  }

  async init(): Promise<void> {
    await this.container(this.diskContainer).createIfNotExists();
    await this.container(this.snapshotContainer).createIfNotExists();
  }

  /** A new (or overwritten) disk blob of `diskSizeBytes + 512` with a fixed-VHD footer at its end. */
  async createDisk(location: BlobLocation, diskSizeBytes: number, withFooter = true): Promise<void> {
    const blob = this.page(location);
    await blob.create(diskSizeBytes + FOOTER_SIZE);
    if (withFooter) await blob.uploadPages(fixedVhdFooter(diskSizeBytes), diskSizeBytes, FOOTER_SIZE);
  }

  /** Grows a disk: its old footer page becomes (zeroed) disk space, a new footer ends the blob. */
  async resizeDisk(location: BlobLocation, oldSizeBytes: number, newSizeBytes: number): Promise<void> {
    const blob = this.page(location);
    await blob.clearPages(oldSizeBytes, FOOTER_SIZE);
    await blob.resize(newSizeBytes + FOOTER_SIZE);
    await blob.uploadPages(fixedVhdFooter(newSizeBytes), newSizeBytes, FOOTER_SIZE);
  }

  /** Copies `source` (a disk blob or blob snapshot) into a new blob `target`. */
  async copy(source: BlobLocation, target: BlobLocation): Promise<void> {
    const poller = await this.page(target).beginCopyFromURL(this.readUrl(source), { intervalInMs: 50 });
    await poller.pollUntilDone();
  }

  async snapshot(location: BlobLocation): Promise<string> {
    const { snapshot } = await this.page(location).createSnapshot();
    if (snapshot === undefined) throw new Error(`no snapshot id for ${location.name}`);
    return snapshot;
  }

  /** Deletes a blob snapshot, or a blob with all its snapshots. Missing is fine (idempotent). */
  async delete(location: BlobLocation): Promise<void> {
    const blob = this.page(location);
    await blob.deleteIfExists(location.snapshot === undefined ? { deleteSnapshots: "include" } : {});
  }

  /** Empties a disk blob whose snapshots must outlive it (a deleted disk with snapshots). */
  async truncate(location: BlobLocation): Promise<void> {
    await this.page(location).resize(0);
  }

  async length(location: BlobLocation): Promise<number | undefined> {
    try {
      return (await this.page(location).getProperties()).contentLength;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined;
      throw error;
    }
  }

  async readFooter(location: BlobLocation, blobLength: number): Promise<Buffer> {
    if (blobLength < FOOTER_SIZE) return Buffer.alloc(0);
    return this.page(location).downloadToBuffer(blobLength - FOOTER_SIZE, FOOTER_SIZE);
  }

  /** Replaces the container's stored access policies by the given grants (the stand-in owns them). */
  async setPolicies(container: string, grants: Grant[]): Promise<void> {
    await this.container(container).setAccessPolicy(
      undefined,
      grants.map((grant) => ({
        id: grant.id,
        accessPolicy: {
          permissions: grant.access === "Write" ? "rw" : "r",
          expiresOn: new Date(grant.expiresOn),
        },
      })),
    );
  }

  /** The SAS URL of a blob (or blob snapshot) bound to the stored access policy `policyId`. */
  sasUrl(location: BlobLocation, policyId: string): string {
    const query = generateBlobSASQueryParameters(
      {
        containerName: location.container,
        blobName: location.name,
        snapshotTime: location.snapshot,
        identifier: policyId,
      },
      this.credential,
    ).toString();
    return `${this.page(location).url}${location.snapshot === undefined ? "?" : "&"}${query}`;
  }

  /** A short-lived read SAS for the stand-in's own copies (Copy Blob source). */
  private readUrl(location: BlobLocation): string {
    const query = generateBlobSASQueryParameters(
      {
        containerName: location.container,
        blobName: location.name,
        snapshotTime: location.snapshot,
        permissions: BlobSASPermissions.parse("r"),
        expiresOn: new Date(Date.now() + 60 * 60 * 1000),
      },
      this.credential,
    ).toString();
    return `${this.page(location).url}${location.snapshot === undefined ? "?" : "&"}${query}`;
  }
}

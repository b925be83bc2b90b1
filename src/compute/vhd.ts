// The fixed-VHD footer that ends a managed disk's data (the last 512 bytes of an upload): the service
// imports an upload only with a valid one. Built from the VHD specification (Microsoft, "Virtual Hard
// Disk Image Format Specification" 1.0): big-endian fields, CHS geometry by its algorithm, a one's
// complement checksum. Deterministic for the same inputs, so a retried step writes the same bytes.
import { createHash } from "node:crypto";

export const VHD_FOOTER_BYTES = 512;
const SECONDS_2000 = Date.UTC(2000, 0, 1) / 1000;

/** Cylinders, heads and sectors per track for a disk of `sizeBytes` (the specification's algorithm). */
export function chsOf(sizeBytes: number): { cylinders: number; heads: number; sectorsPerTrack: number } {
  const totalSectors = Math.min(Math.floor(sizeBytes / 512), 65535 * 16 * 255);
  let sectorsPerTrack = 17;
  let heads = 4;
  let cylinderTimesHeads = 0;
  if (totalSectors >= 65535 * 16 * 63) {
    sectorsPerTrack = 255;
    heads = 16;
    cylinderTimesHeads = Math.floor(totalSectors / sectorsPerTrack);
  } else {
    cylinderTimesHeads = Math.floor(totalSectors / sectorsPerTrack);
    heads = Math.max(4, Math.floor((cylinderTimesHeads + 1023) / 1024));
    if (cylinderTimesHeads >= heads * 1024 || heads > 16) {
      sectorsPerTrack = 31;
      heads = 16;
      cylinderTimesHeads = Math.floor(totalSectors / sectorsPerTrack);
    }
    if (cylinderTimesHeads >= heads * 1024) {
      sectorsPerTrack = 63;
      heads = 16;
      cylinderTimesHeads = Math.floor(totalSectors / sectorsPerTrack);
    }
  }
  return { cylinders: Math.min(65535, Math.floor(cylinderTimesHeads / heads)), heads, sectorsPerTrack };
}

/** One's complement of the byte sum of the footer, the checksum field (bytes 64-67) excluded. */
export function footerChecksum(footer: Buffer): number {
  let sum = 0;
  for (let i = 0; i < VHD_FOOTER_BYTES; i++) if (i < 64 || i > 67) sum += footer[i] ?? 0;
  return ~sum >>> 0;
}

export interface FooterOptions {
  /** When the image was made (seconds since 2000 go into the footer). */
  createdAt: Date;
  /** Seeds the footer's 16-byte unique id. */
  identity: string;
}

/** A valid fixed-VHD footer for a disk of `diskSizeBytes` (a multiple of 512). */
export function fixedVhdFooterOf(diskSizeBytes: number, options: FooterOptions): Buffer {
  if (!Number.isSafeInteger(diskSizeBytes) || diskSizeBytes <= 0 || diskSizeBytes % 512 !== 0) {
    throw new RangeError(`a VHD's size must be a positive multiple of 512, got ${diskSizeBytes}`);
  }
  const f = Buffer.alloc(VHD_FOOTER_BYTES);
  f.write("conectix", 0, "ascii"); // cookie
  f.writeUInt32BE(0x00000002, 8); // features: the reserved bit is always set
  f.writeUInt32BE(0x00010000, 12); // file format version 1.0
  f.writeBigUInt64BE(0xffffffffffffffffn, 16); // data offset: none, a fixed disk
  f.writeUInt32BE(Math.max(0, Math.floor(options.createdAt.getTime() / 1000 - SECONDS_2000)) >>> 0, 24);
  f.write("dbak", 28, "ascii"); // creator application: this app
  f.writeUInt32BE(0x00010000, 32); // creator version
  f.write("Wi2k", 36, "ascii"); // creator host OS (what Azure's own tools write)
  f.writeBigUInt64BE(BigInt(diskSizeBytes), 40); // original size
  f.writeBigUInt64BE(BigInt(diskSizeBytes), 48); // current size
  const chs = chsOf(diskSizeBytes);
  f.writeUInt16BE(chs.cylinders, 56);
  f.writeUInt8(chs.heads, 58);
  f.writeUInt8(chs.sectorsPerTrack, 59);
  f.writeUInt32BE(2, 60); // disk type: fixed
  createHash("sha256").update(options.identity).digest().copy(f, 68, 0, 16); // unique id
  f.writeUInt32BE(footerChecksum(f), 64);
  return f;
}

/** Why `footer` is not a valid fixed-VHD footer of a `diskSizeBytes` disk (undefined: it is). */
export function footerProblemOf(footer: Buffer, diskSizeBytes: number): string | undefined {
  if (footer.length !== VHD_FOOTER_BYTES || footer.toString("ascii", 0, 8) !== "conectix")
    return "no conectix cookie";
  if (footer.readUInt32BE(60) !== 2) return "not a fixed disk";
  if (footer.readBigUInt64BE(48) !== BigInt(diskSizeBytes)) return `current size is not ${diskSizeBytes}`;
  if (footer.readUInt32BE(64) !== footerChecksum(footer)) return "bad checksum";
  return undefined;
}

// The fixed-VHD footer (the last 512 bytes of a managed disk's blob): built for new disks and
// checked when an upload ends, as the service refuses to import a blob without a valid one.
import { randomBytes } from "node:crypto";

export const FOOTER_SIZE = 512;
const COOKIE = "conectix";
const FIXED_DISK = 2;
const VHD_EPOCH_MS = Date.UTC(2000, 0, 1);

/** Cylinders/heads/sectors per the VHD specification's algorithm (appendix "CHS calculation"). */
function geometry(size: number): { cylinders: number; heads: number; sectors: number } {
  let total = Math.min(Math.floor(size / 512), 65535 * 16 * 255);
  let sectors: number;
  let heads: number;
  let cylinderTimesHeads: number;
  if (total >= 65535 * 16 * 63) {
    sectors = 255;
    heads = 16;
    cylinderTimesHeads = Math.floor(total / sectors);
  } else {
    sectors = 17;
    cylinderTimesHeads = Math.floor(total / sectors);
    heads = Math.max(4, Math.floor((cylinderTimesHeads + 1023) / 1024));
    if (cylinderTimesHeads >= heads * 1024 || heads > 16) {
      sectors = 31;
      heads = 16;
      cylinderTimesHeads = Math.floor(total / sectors);
    }
    if (cylinderTimesHeads >= heads * 1024) {
      sectors = 63;
      heads = 16;
      cylinderTimesHeads = Math.floor(total / sectors);
    }
  }
  total = Math.floor(cylinderTimesHeads / heads);
  return { cylinders: Math.min(total, 65535), heads, sectors };
}

function checksum(footer: Buffer): number {
  let sum = 0;
  for (let i = 0; i < FOOTER_SIZE; i++) if (i < 64 || i >= 68) sum += footer[i] ?? 0;
  return ~sum >>> 0;
}

/** A valid fixed-VHD footer for a disk of `diskSizeBytes` (the footer follows the data). */
export function fixedVhdFooter(diskSizeBytes: number, now = new Date()): Buffer {
  const footer = Buffer.alloc(FOOTER_SIZE);
  footer.write(COOKIE, 0, "ascii");
  footer.writeUInt32BE(2, 8); // features: reserved bit always set
  footer.writeUInt32BE(0x00010000, 12); // file format version 1.0
  footer.writeBigUInt64BE(0xffffffffffffffffn, 16); // data offset: none for a fixed disk
  footer.writeUInt32BE(Math.max(0, Math.floor((now.getTime() - VHD_EPOCH_MS) / 1000)), 24);
  footer.write("arms", 28, "ascii"); // creator application
  footer.writeUInt32BE(0x00010000, 32);
  footer.write("Wi2k", 36, "ascii");
  footer.writeBigUInt64BE(BigInt(diskSizeBytes), 40); // original size
  footer.writeBigUInt64BE(BigInt(diskSizeBytes), 48); // current size
  const { cylinders, heads, sectors } = geometry(diskSizeBytes);
  footer.writeUInt16BE(cylinders, 56);
  footer.writeUInt8(heads, 58);
  footer.writeUInt8(sectors, 59);
  footer.writeUInt32BE(FIXED_DISK, 60);
  randomBytes(16).copy(footer, 68);
  footer.writeUInt32BE(checksum(footer), 64);
  return footer;
}

/** Why `footer` is not a valid fixed-VHD footer for a blob of `blobLength` bytes, or undefined. */
export function footerProblem(footer: Buffer, blobLength: number): string | undefined {
  if (footer.length !== FOOTER_SIZE || footer.toString("ascii", 0, 8) !== COOKIE) return "cookie";
  if (footer.readUInt32BE(60) !== FIXED_DISK) return "diskType";
  if (footer.readBigUInt64BE(48) !== BigInt(blobLength - FOOTER_SIZE)) return "currentSize";
  if (footer.readUInt32BE(64) !== checksum(footer)) return "checksum";
  return undefined;
}

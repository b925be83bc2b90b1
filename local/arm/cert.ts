// The stand-in's TLS identity: a self-signed certificate for the loopback names, generated once in
// pure JavaScript (`selfsigned`, no OpenSSL CLI needed) and kept under the data folder.
import { X509Certificate } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { generate } from "selfsigned";

export interface StandInCertificate {
  certPem: string;
  keyPem: string;
  certPath: string;
  keyPath: string;
  /** True when this start generated it (false: reused from an earlier start). */
  generated: boolean;
}

const DAY_MS = 24 * 60 * 60 * 1000;

function isIp(host: string): boolean {
  return /^\d+\.\d+\.\d+\.\d+$/.test(host) || host.includes(":");
}

/** Reusable when it still has a day to live and names the host the stand-in listens on. */
function reusable(certPem: string, host: string): boolean {
  try {
    const cert = new X509Certificate(certPem);
    if (Date.parse(cert.validTo) - Date.now() < DAY_MS) return false;
    return isIp(host) ? cert.checkIP(host) !== undefined : cert.checkHost(host) !== undefined;
  } catch {
    return false;
  }
}

function writeAtomically(file: string, text: string, mode: number): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode });
  renameSync(temporary, file);
}

/** Loads the certificate from `dir` (cert.pem, key.pem), or generates and writes a new one. */
export async function loadOrCreateCertificate(dir: string, host: string): Promise<StandInCertificate> {
  mkdirSync(dir, { recursive: true });
  const certPath = path.join(dir, "cert.pem");
  const keyPath = path.join(dir, "key.pem");
  if (existsSync(certPath) && existsSync(keyPath)) {
    const certPem = readFileSync(certPath, "utf8");
    if (reusable(certPem, host)) {
      return { certPem, keyPem: readFileSync(keyPath, "utf8"), certPath, keyPath, generated: false };
    }
  }
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(notBeforeDate.getTime() + 825 * DAY_MS);
  const altNames: { type: 2 | 7; value?: string; ip?: string }[] = [
    { type: 2, value: "localhost" },
    { type: 7, ip: "127.0.0.1" },
    { type: 7, ip: "::1" },
  ];
  if (host !== "localhost" && host !== "127.0.0.1" && host !== "::1") {
    altNames.push(isIp(host) ? { type: 7, ip: host } : { type: 2, value: host });
  }
  const pems = await generate([{ name: "commonName", value: "Resource Manager stand-in (local)" }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", digitalSignature: true, keyCertSign: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      { name: "subjectAltName", altNames },
    ],
  });
  // Key first: a cert.pem without its key.pem is never left behind as "reusable".
  writeAtomically(keyPath, pems.private, 0o600);
  writeAtomically(certPath, pems.cert, 0o644);
  return { certPem: pems.cert, keyPem: pems.private, certPath, keyPath, generated: true };
}

// Figures as people read them: binary byte units, durations, local times, a disk's name, verification.
export function formatBytes(bytes) {
  if (typeof bytes !== "number" || !Number.isFinite(bytes)) return "—";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 100 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

export function formatDuration(ms) {
  if (typeof ms !== "number" || !Number.isFinite(ms)) return "—";
  const minutes = Math.round(Math.abs(ms) / 60000);
  if (minutes < 1) return "less than a minute";
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days} days` : `${days} days ${hours % 24} h`;
}

export function formatTime(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleString();
}

/** `container/blob` of a disk's source URL, the name people know it by (path-style URLs carry the account). */
export function diskName(url, fallback) {
  try {
    const parsed = new URL(url);
    const parts = parsed.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    const pathStyle = !parsed.hostname.includes(".") || /^[\d.]+$/.test(parsed.hostname);
    return parts.slice(pathStyle ? 1 : 0).join("/") || fallback;
  } catch {
    return fallback;
  }
}

export function coverageText(value) {
  if (typeof value === "number") return `${Math.round(value * (value <= 1 ? 100 : 1))} %`;
  if (value && typeof value === "object" && typeof value.percent === "number")
    return `${Math.round(value.percent)} %`;
  return JSON.stringify(value);
}

/** A point's `verification` column (JSON text): a restore's result or a backup's rolling/full record. */
function verificationOf(point) {
  if (!point.verification) return null;
  try {
    return typeof point.verification === "string" ? JSON.parse(point.verification) : point.verification;
  } catch {
    return null;
  }
}

/** Verified without a difference: a restore's `verified`, or a backup's record with no mismatch. */
export function verifiedOf(point) {
  const v = verificationOf(point);
  if (!v) return false;
  if (typeof v.verified === "boolean") return v.verified;
  return typeof v.mismatches === "number" && v.mismatches === 0 && typeof v.coverage === "number";
}

export function verificationText(point) {
  if (!point.verification) return "—";
  const v = verificationOf(point);
  if (!v) return "recorded";
  const parts = [];
  if (typeof v.verified === "boolean") parts.push(v.verified ? "verified" : "MISMATCH");
  if (typeof v.mismatches === "number")
    parts.push(v.mismatches === 0 ? "no mismatch" : `${v.mismatches} MISMATCHES`);
  if (typeof v.mode === "string")
    parts.push(`${v.mode}${typeof v.pass === "number" ? `, pass ${v.pass}` : ""}`);
  if (typeof v.bytesCompared === "number") parts.push(`${formatBytes(v.bytesCompared)} compared`);
  if (typeof v.coverage === "number") parts.push(`coverage ${coverageText(v.coverage)}`);
  return parts.join(", ") || "recorded";
}

// A hand-made SVG bar chart of throughput per measurement (log scale, so 4 KiB random windows stay
// visible next to multi-MiB copies), with the Put Page From URL ceiling as a line.
import type { Measurement } from "../bench";

const COLORS: Record<string, string> = {
  "1 ceiling": "#8c8c8c",
  "2 first": "#1f77b4",
  "3 incr": "#2ca02c",
  "4a naive": "#d62728",
  "4b naive": "#ff7f0e",
  "5 scale": "#17becf",
  "7 restore": "#8c564b",
  "9 lifecycle": "#e377c2",
  "10 managed": "#bcbd22",
  "11 azure": "#9467bd",
  "12 revert": "#17becf",
  "13 many": "#8c564b",
};

function escapeXml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

export function throughputSvg(results: Measurement[], ceilingMibps: number | undefined): string {
  const bars = results.filter((m) => m.bytes > 0 && m.mibps > 0);
  const left = 390;
  const width = 980;
  const plot = width - left - 70;
  const rowH = 16;
  const top = 40;
  const height = top + bars.length * rowH + 40;
  const minLog = -2;
  const maxLog = 3;
  const x = (mibps: number) =>
    left + ((Math.min(maxLog, Math.max(minLog, Math.log10(mibps))) - minLog) / (maxLog - minLog)) * plot;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left}" y="18" font-size="14" font-weight="bold">Throughput per scenario (MiB/s, log scale)</text>`,
  ];
  for (let p = minLog; p <= maxLog; p++) {
    const tx = x(10 ** p);
    parts.push(`<line x1="${tx}" y1="${top - 6}" x2="${tx}" y2="${height - 30}" stroke="#ddd"/>`);
    parts.push(`<text x="${tx}" y="${height - 16}" text-anchor="middle">${10 ** p}</text>`);
  }
  bars.forEach((m, i) => {
    const y = top + i * rowH;
    const color = COLORS[m.scenario] ?? "#555";
    parts.push(
      `<text x="${left - 6}" y="${y + 11}" text-anchor="end">${escapeXml(`${m.scenario} · ${m.label}`)}</text>`,
    );
    parts.push(
      `<rect x="${left}" y="${y + 2}" width="${Math.max(1, x(m.mibps) - left)}" height="${rowH - 4}" fill="${color}"/>`,
    );
    parts.push(
      `<text x="${x(m.mibps) + 4}" y="${y + 11}">${m.mibps < 1 ? m.mibps.toFixed(2) : m.mibps.toFixed(0)}</text>`,
    );
  });
  if (ceilingMibps !== undefined) {
    const cx = x(ceilingMibps);
    parts.push(
      `<line x1="${cx}" y1="${top - 6}" x2="${cx}" y2="${height - 30}" stroke="black" stroke-dasharray="4 3"/>`,
    );
    parts.push(`<text x="${cx + 3}" y="${top - 10}">ceiling ${ceilingMibps.toFixed(0)}</text>`);
  }
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}

/** Small self-contained SVG charts for the HTML report: no scripts, no external assets. */

const PALETTE = ["#4269d0", "#efb118", "#ff725c", "#6cc5b0", "#3ca951", "#ff8ab7", "#a463f2", "#97bbf5"];
const FONT = 'font-family="system-ui, sans-serif" font-size="12"';

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

const round = (x: number) => Math.round(x * 10) / 10;

/** About five round tick values from 0 to max. */
function ticks(max: number): number[] {
  const raw = max / 5;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  return Array.from({ length: Math.floor(max / step + 1e-9) + 1 }, (_, k) => k * step);
}

const tickLabel = (t: number) => String(Number(t.toPrecision(6)));

export interface BarGroup {
  label: string;
  /** One value per series, in the order of `series`; error is drawn as a whisker of ± error. */
  values: Array<{ value: number; error?: number }>;
}

/** Horizontal grouped bars: one group per label, one bar per series. */
export function barChart(title: string, series: readonly string[], groups: readonly BarGroup[]): string {
  const [left, right, top, barH, gap, width] = [150, 20, 44, 12, 10, 680];
  const groupH = series.length * barH + gap;
  const height = top + groups.length * groupH + 30;
  const max = Math.max(...groups.flatMap((g) => g.values.map((v) => v.value + (v.error ?? 0))), 1e-9) * 1.05;
  const xScale = (v: number) => left + (v / max) * (width - left - right);
  const parts = [`<text x="${left}" y="16" font-weight="bold">${escapeXml(title)}</text>`];
  series.forEach((s, k) => {
    const x = left + k * 130;
    parts.push(`<rect x="${x}" y="24" width="10" height="10" fill="${PALETTE[k % PALETTE.length]}"/><text x="${x + 14}" y="33">${escapeXml(s)}</text>`);
  });
  for (const t of ticks(max)) {
    const x = round(xScale(t));
    parts.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${height - 26}" stroke="#ddd"/><text x="${x}" y="${height - 12}" text-anchor="middle">${tickLabel(t)}</text>`);
  }
  groups.forEach((g, gi) => {
    const y0 = top + gi * groupH;
    parts.push(`<text x="${left - 6}" y="${round(y0 + (series.length * barH) / 2 + 4)}" text-anchor="end">${escapeXml(g.label)}</text>`);
    g.values.forEach((v, k) => {
      const y = y0 + k * barH;
      parts.push(`<rect x="${left}" y="${y}" width="${round(xScale(v.value) - left)}" height="${barH - 2}" fill="${PALETTE[k % PALETTE.length]}"><title>${escapeXml(`${g.label} ${series[k]}: ${v.value.toFixed(4)}`)}</title></rect>`);
      if (v.error) {
        const [a, b, mid] = [round(xScale(v.value - v.error)), round(xScale(v.value + v.error)), y + (barH - 2) / 2];
        parts.push(`<line x1="${a}" y1="${mid}" x2="${b}" y2="${mid}" stroke="#333"/>`);
      }
    });
  });
  return svg(width, height, parts);
}

export interface ScatterPoint {
  label: string;
  x: number;
  y: number;
}

/**
 * Numbered points with a legend on the right (labels beside the points would overlap where rankers tie); both
 * axes start at 0.
 */
export function scatterChart(title: string, axes: { x: string; y: string }, points: readonly ScatterPoint[]): string {
  const [left, right, top, bottom, width] = [60, 220, 30, 46, 760];
  const height = Math.max(360, top + points.length * 18 + 20);
  const maxX = Math.max(...points.map((p) => p.x), 1e-9) * 1.1;
  const maxY = Math.max(...points.map((p) => p.y), 1e-9) * 1.1;
  const xScale = (v: number) => round(left + (v / maxX) * (width - left - right));
  const yScale = (v: number) => round(height - bottom - (v / maxY) * (height - top - bottom));
  const parts = [`<text x="${left}" y="16" font-weight="bold">${escapeXml(title)}</text>`];
  for (const t of ticks(maxX)) parts.push(`<line x1="${xScale(t)}" y1="${top}" x2="${xScale(t)}" y2="${height - bottom}" stroke="#eee"/><text x="${xScale(t)}" y="${height - bottom + 16}" text-anchor="middle">${tickLabel(t)}</text>`);
  for (const t of ticks(maxY)) parts.push(`<line x1="${left}" y1="${yScale(t)}" x2="${width - right}" y2="${yScale(t)}" stroke="#eee"/><text x="${left - 6}" y="${yScale(t) + 4}" text-anchor="end">${tickLabel(t)}</text>`);
  parts.push(
    `<text x="${(left + width - right) / 2}" y="${height - 8}" text-anchor="middle">${escapeXml(axes.x)}</text>`,
    `<text transform="translate(14 ${(top + height - bottom) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(axes.y)}</text>`,
  );
  points.forEach((p, k) => {
    const [x, y, color, n] = [xScale(p.x), yScale(p.y), PALETTE[k % PALETTE.length], k + 1];
    parts.push(
      `<circle cx="${x}" cy="${y}" r="5" fill="${color}" fill-opacity="0.8"><title>${escapeXml(`${p.label}: ${p.y.toFixed(4)} at ${tickLabel(p.x)}`)}</title></circle><text x="${x + 7}" y="${y - 5}" font-size="10">${n}</text>`,
      `<circle cx="${width - right + 16}" cy="${top + k * 18}" r="5" fill="${color}"/><text x="${width - right + 26}" y="${top + k * 18 + 4}">${n}. ${escapeXml(p.label)}</text>`,
    );
  });
  return svg(width, height, parts);
}

function svg(width: number, height: number, parts: readonly string[]): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" ${FONT}>${parts.join("")}</svg>`;
}

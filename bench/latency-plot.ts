// A latency percentile-distribution plot as SVG text, drawn by our own code (no plotting
// dependency). The layout is HdrHistogram's: x is the percentile on a log scale of 1/(1-q)
// (50%, 90%, 99%, 99.9%, ... evenly spaced), so the tail gets the room; y is latency in ms on a
// log scale, so a 2 ms median and a 200 ms tail fit one chart. Pure: text in, text out.

export type LatencySeries = { label: string; color: string; dashed?: boolean; quantiles: readonly (readonly [number, number])[] };

const WIDTH = 760;
const HEIGHT = 440;
const MARGIN = { left: 64, right: 40, top: 40, bottom: 110 };
/** Nines shown on x: 0 = 0%, 1 = 90%, ... ; a series' points beyond this are clipped. */
const NINES_MAX = 5;
/** Latencies below this are drawn at it (log axis); no driver measures below 1 µs. */
const MS_FLOOR = 0.001;
const LEGEND_ROW_PX = 18;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/** x of quantile q: the count of nines, log10(1 / (1 - q)). q = 1 (the max) has none. */
export const nines = (q: number): number | null => (q >= 1 ? null : Math.log10(1 / (1 - q)));

export function percentileLabel(n: number): string {
  // 0 -> 0%, 1 -> 90%, 2 -> 99%, 3 -> 99.9%
  if (n === 0) return '0%';
  return `${(100 - 100 / 10 ** n).toFixed(Math.max(0, n - 2))}%`;
}

export function latencyPlotSvg(title: string, series: readonly LatencySeries[]): string {
  const pts = series.map((s) => s.quantiles.flatMap(([q, ms]) => {
    const x = nines(q);
    return x === null || x > NINES_MAX ? [] : [[x, Math.max(ms, MS_FLOOR)] as const];
  }));
  const all = pts.flat().map(([, ms]) => ms);
  const lo = all.length ? Math.floor(Math.log10(Math.min(...all))) : 0;
  const hi = all.length ? Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...all)))) : 1;
  const pw = WIDTH - MARGIN.left - MARGIN.right;
  const ph = HEIGHT - MARGIN.top - MARGIN.bottom;
  const X = (n: number) => MARGIN.left + (n / NINES_MAX) * pw;
  const Y = (ms: number) => MARGIN.top + ph - ((Math.log10(ms) - lo) / (hi - lo)) * ph;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`);
  out.push(`<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="14">${esc(title)}</text>`);
  for (let n = 0; n <= NINES_MAX; n++) {
    out.push(`<line x1="${X(n)}" y1="${MARGIN.top}" x2="${X(n)}" y2="${MARGIN.top + ph}" stroke="#ddd"/>`);
    out.push(`<text x="${X(n)}" y="${MARGIN.top + ph + 16}" text-anchor="middle">${percentileLabel(n)}</text>`);
  }
  for (let d = lo; d <= hi; d++) {
    const ms = 10 ** d;
    out.push(`<line x1="${MARGIN.left}" y1="${Y(ms)}" x2="${MARGIN.left + pw}" y2="${Y(ms)}" stroke="#ddd"/>`);
    out.push(`<text x="${MARGIN.left - 6}" y="${Y(ms) + 4}" text-anchor="end">${+ms.toPrecision(3)}</text>`);
  }
  out.push(`<text x="${MARGIN.left + pw / 2}" y="${MARGIN.top + ph + 34}" text-anchor="middle">percentile</text>`);
  out.push(`<text transform="translate(16 ${MARGIN.top + ph / 2}) rotate(-90)" text-anchor="middle">latency, ms (log)</text>`);
  series.forEach((s, i) => {
    const p = pts[i]!;
    if (p.length > 0) {
      const d = p.map(([x, ms], j) => `${j ? 'L' : 'M'}${X(x).toFixed(1)} ${Y(ms).toFixed(1)}`).join(' ');
      out.push(`<path d="${d}" fill="none" stroke="${esc(s.color)}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    }
    const ly = MARGIN.top + ph + 52 + i * LEGEND_ROW_PX;
    out.push(`<line x1="${MARGIN.left}" y1="${ly - 4}" x2="${MARGIN.left + 28}" y2="${ly - 4}" stroke="${esc(s.color)}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    out.push(`<text x="${MARGIN.left + 36}" y="${ly}">${esc(s.label)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

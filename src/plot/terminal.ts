// A compact chart for the terminal: each series drawn with its own character on a character grid.
import { type ChartInfo, flatHalfRange, formatTick } from './chart.js';

export function renderTerminal(info: ChartInfo, opts: { width?: number; height?: number } = {}): string {
  const W = opts.width ?? 60,
    H = opts.height ?? 12;
  const glyphs = ['*', 'o', '+', 'x'];
  const ty = (v: number) => (info.logY ? Math.log10(v) : v);
  let lo = Infinity,
    hi = -Infinity,
    n = 0;
  for (const s of info.series) {
    n = Math.max(n, s.values.length);
    for (let i = 0; i < s.values.length; i++) {
      const v = s.values[i]!;
      if (Number.isFinite(v) && (!info.logY || v > 0)) {
        lo = Math.min(lo, ty(v));
        hi = Math.max(hi, ty(v));
      }
    }
  }
  if (!Number.isFinite(lo)) return `${info.title}: no finite values\n`;
  if (hi === lo) hi = lo + flatHalfRange(lo);
  const grid = Array.from({ length: H }, () => Array<string>(W).fill(' '));
  const draw = (v: number, c: number, glyph: string) => {
    if (!Number.isFinite(v) || (info.logY && v <= 0)) return;
    grid[H - 1 - Math.round(((ty(v) - lo) / (hi - lo)) * (H - 1))]![c] = glyph;
  };
  info.series.forEach((s, k) => {
    const glyph = glyphs[k % glyphs.length]!;
    for (let c = 0; c < W; c++) {
      if (n <= W) {
        const i = Math.min(s.values.length - 1, Math.round((c / Math.max(W - 1, 1)) * (Math.max(n, 2) - 1)));
        if (i >= 0) draw(s.values[i]!, c, glyph);
        continue;
      }
      // more values than columns: each column's share of them drawn by its lowest and highest (one value a column
      // lost the rest: the spike of a 100,000-epoch history was not drawn)
      const [a, b] = columnValues(s.values, Math.floor((c * n) / W), Math.floor(((c + 1) * n) / W), info.logY);
      if (a !== undefined) draw(a, c, glyph);
      if (b !== undefined) draw(b, c, glyph);
    }
  });
  const back = (v: number) => (info.logY ? 10 ** v : v);
  // on a linear axis, with the digits that tell the three apart (a loss near 1e9 read 1.0e+9 three times)
  const step = info.logY ? undefined : (hi - lo) / 2;
  const labels = [hi, (hi + lo) / 2, lo].map((v) => formatTick(back(v), step)) as [string, string, string];
  const lw = Math.max(...labels.map((l) => l.length));
  // the middle label on the row its value is drawn in (draw's rounding): on an even height that is the row above
  // floor(H / 2), where the label sat a row low (train's 10 rows: 0.2196 beside the row of 0.2037)
  const mid = H - 1 - Math.round((H - 1) / 2);
  const lines = grid.map((row, r) => {
    const label = r === 0 ? labels[0] : r === mid ? labels[1] : r === H - 1 ? labels[2] : '';
    return `${label.padStart(lw)} |${row.join('')}`;
  });
  lines.push(`${' '.repeat(lw)} +${'-'.repeat(W)}`);
  lines.push(
    `${' '.repeat(lw)}  ${info.xLabel}: 1..${n}   ` +
      `${info.series.map((s, k) => `${glyphs[k % glyphs.length]} ${s.name}`).join('   ')}`,
  );
  return `${info.title}\n${lines.join('\n')}\n`;
}

/** The lowest and highest value of values[from, to) that a chart draws (finite; > 0 on a log scale), if any. */
function columnValues(
  values: ArrayLike<number>,
  from: number,
  to: number,
  logY?: boolean,
): [number | undefined, number | undefined] {
  let lo: number | undefined, hi: number | undefined;
  for (let i = from; i < Math.min(to, values.length); i++) {
    const v = values[i]!;
    if (!Number.isFinite(v) || (logY && v <= 0)) continue;
    if (lo === undefined || v < lo) lo = v;
    if (hi === undefined || v > hi) hi = v;
  }
  return [lo, hi];
}

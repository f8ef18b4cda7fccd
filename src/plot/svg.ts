// A small line-chart writer: axes with round ticks, optional log-scale y, legend, vertical marks and
// shaded x-bands. Input is a ChartInfo; output is a standalone SVG document.
import { type ChartInfo, formatTick, niceTicks } from './chart.js';

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function renderSvg(info: ChartInfo, opts: { width?: number; height?: number } = {}): string {
  const f = frameOf(info, opts.width ?? 800, opts.height ?? 480);
  const { W, H } = f;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ` +
      'font-family="DejaVu Sans, Arial, sans-serif" font-size="12">',
  );
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  parts.push(`<text x="${W / 2}" y="24" text-anchor="middle" font-size="16">${esc(info.title)}</text>`);
  parts.push(...bands(info, f), ...axes(info, f), ...lines(info, f), ...marks(info, f), ...legend(info, f));
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** The plot area in the picture and the data ranges it shows, with the maps from data to pixels. */
interface Frame {
  W: number;
  H: number;
  /** Margins. */
  m: { l: number; r: number; t: number; b: number };
  /** Plot width and height. */
  pw: number;
  ph: number;
  logY: boolean;
  xlo: number;
  xhi: number;
  /** y range, log10 with logY, padded by 5%. */
  ylo: number;
  yhi: number;
  sx: (x: number) => number;
  sy: (y: number) => number;
}

function frameOf(info: ChartInfo, W: number, H: number): Frame {
  const m = { l: 72, r: 24, t: 44, b: 56 };
  const pw = W - m.l - m.r,
    ph = H - m.t - m.b;
  const logY = Boolean(info.logY);
  const ty = (v: number) => (logY ? Math.log10(v) : v);
  let xlo = Infinity,
    xhi = -Infinity,
    ylo = Infinity,
    yhi = -Infinity;
  for (const s of info.series) {
    for (let i = 0; i < s.values.length; i++) {
      const x = s.x ? s.x[i]! : i,
        y = s.values[i]!;
      if (!Number.isFinite(y) || (logY && y <= 0)) continue;
      xlo = Math.min(xlo, x);
      xhi = Math.max(xhi, x);
      ylo = Math.min(ylo, ty(y));
      yhi = Math.max(yhi, ty(y));
    }
  }
  if (!Number.isFinite(xlo)) {
    xlo = 0;
    xhi = 1;
    ylo = 0;
    yhi = 1;
  }
  if (xhi === xlo) {
    xhi = xlo + 1;
  }
  if (yhi === ylo) {
    yhi = ylo + 1;
    ylo -= 1;
  }
  const pad = (yhi - ylo) * 0.05;
  ylo -= pad;
  yhi += pad;
  const sx = (x: number) => m.l + ((x - xlo) / (xhi - xlo)) * pw;
  const sy = (y: number) => m.t + ph - ((ty(y) - ylo) / (yhi - ylo)) * ph;
  return { W, H, m, pw, ph, logY, xlo, xhi, ylo, yhi, sx, sy };
}

/** Shaded x-bands with their labels. */
function bands(info: ChartInfo, { m, ph, xlo, xhi, sx }: Frame): string[] {
  const parts: string[] = [];
  for (const b of info.bands ?? []) {
    const x0 = sx(Math.max(b.from, xlo)),
      x1 = sx(Math.min(b.to, xhi));
    parts.push(
      `<rect x="${x0.toFixed(1)}" y="${m.t}" width="${Math.max(0, x1 - x0).toFixed(1)}" height="${ph}" ` +
        `fill="${b.color ?? '#ffdd88'}" opacity="0.3"/>`,
    );
    parts.push(
      `<text x="${((x0 + x1) / 2).toFixed(1)}" y="${m.t + ph / 2}" text-anchor="middle" fill="#886600">` +
        `${esc(b.label)}</text>`,
    );
  }
  return parts;
}

/** Grid lines and ticks, the frame and the axis labels. */
function axes(info: ChartInfo, { H, m, pw, ph, logY, xlo, xhi, ylo, yhi, sx, sy }: Frame): string[] {
  const parts: string[] = [];
  // y ticks (log: decades and their 2x/5x)
  const yTicks = logY ? niceTicks(ylo, yhi, 5).map((v) => 10 ** v) : niceTicks(ylo, yhi, 6);
  for (const v of yTicks) {
    const y = sy(v);
    if (y < m.t - 0.5 || y > m.t + ph + 0.5) continue;
    parts.push(`<line x1="${m.l}" x2="${m.l + pw}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${m.l - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end">${formatTick(v)}</text>`);
  }
  for (const v of niceTicks(xlo, xhi, 8)) {
    const x = sx(v);
    parts.push(`<line x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="${m.t + ph}" y2="${m.t + ph + 5}" stroke="#333"/>`);
    parts.push(`<text x="${x.toFixed(1)}" y="${m.t + ph + 18}" text-anchor="middle">${formatTick(v)}</text>`);
  }
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  parts.push(`<text x="${m.l + pw / 2}" y="${H - 14}" text-anchor="middle">${esc(info.xLabel)}</text>`);
  parts.push(
    `<text transform="translate(18 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle">` +
      `${esc(info.yLabel)}${logY ? ' (log scale)' : ''}</text>`,
  );
  return parts;
}

/** One path per series; a non-finite value (or one <= 0 on a log scale) breaks the line. */
function lines(info: ChartInfo, { logY, sx, sy }: Frame): string[] {
  return info.series.map((s, k) => {
    const color = s.color ?? PALETTE[k % PALETTE.length];
    let d = '',
      pen = false;
    for (let i = 0; i < s.values.length; i++) {
      const x = s.x ? s.x[i]! : i,
        y = s.values[i]!;
      if (!Number.isFinite(y) || (logY && y <= 0)) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${sx(x).toFixed(1)} ${sy(y).toFixed(1)}`;
      pen = true;
    }
    return (
      `<path d="${d}" fill="none" stroke="${color}" stroke-width="1.6"` +
      `${s.dashed ? ' stroke-dasharray="5 4"' : ''}/>`
    );
  });
}

/** Vertical marks inside the x range, with their labels. */
function marks(info: ChartInfo, { m, ph, xlo, xhi, sx }: Frame): string[] {
  const parts: string[] = [];
  for (const mk of info.marks ?? []) {
    if (mk.x < xlo || mk.x > xhi) continue;
    const x = sx(mk.x);
    parts.push(
      `<line x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="${m.t}" y2="${m.t + ph}" ` +
        `stroke="${mk.color ?? '#2ca02c'}" stroke-dasharray="4 3"/>`,
    );
    parts.push(
      `<text x="${(x + 4).toFixed(1)}" y="${m.t + ph - 6}" fill="${mk.color ?? '#2ca02c'}">${esc(mk.label)}</text>`,
    );
  }
  return parts;
}

/** The legend box in the top right corner of the plot. */
function legend(info: ChartInfo, { m, pw }: Frame): string[] {
  const lx = m.l + pw - 170;
  const parts: string[] = [];
  parts.push(
    `<rect x="${lx - 8}" y="${m.t + 4}" width="170" height="${info.series.length * 18 + 8}" ` +
      'fill="white" opacity="0.85" stroke="#cccccc"/>',
  );
  info.series.forEach((s, k) => {
    const y = m.t + 16 + k * 18,
      color = s.color ?? PALETTE[k % PALETTE.length];
    parts.push(
      `<line x1="${lx}" x2="${lx + 24}" y1="${y}" y2="${y}" stroke="${color}" stroke-width="2"` +
        `${s.dashed ? ' stroke-dasharray="5 4"' : ''}/>`,
    );
    parts.push(`<text x="${lx + 30}" y="${y + 4}">${esc(s.name)}</text>`);
  });
  return parts;
}

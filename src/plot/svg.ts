// A small line-chart writer: axes with round ticks, optional log-scale y, legend, vertical marks and
// shaded x-bands. Input is a ChartInfo; output is a standalone SVG document. The legend never covers data: it
// goes in the first corner of the plot that no line crosses, else outside the plot, on its right.
import { type ChartInfo, flatHalfRange, formatTick, niceTicks, tickLabels } from './chart.js';
import { svgMark } from './mark.js';
import { thinPolyline } from './thin.js';

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The chart as an SVG document; `mark` names the command that wrote it, in a comment before the root (mark.ts). */
export function renderSvg(info: ChartInfo, opts: { width?: number; height?: number; mark?: string } = {}): string {
  const W0 = opts.width ?? 800,
    H0 = opts.height ?? 480;
  let f = frameOf(info, W0, H0);
  let box = legendCorner(info, f);
  if (!box) {
    const size = legendSize(info);
    f = frameOf(info, W0, H0, size.w + 16);
    box = { x: f.m.l + f.pw + 12, y: f.m.t, ...size };
  }
  const { W, H } = f;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ` +
      'font-family="DejaVu Sans, Arial, sans-serif" font-size="12">',
  );
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  parts.push(title(info.title, W));
  parts.push(...bands(info, f), ...axes(info, f), ...lines(info, f), ...marks(info, f), ...legend(info, box));
  parts.push('</svg>');
  return `${opts.mark === undefined ? '' : svgMark(opts.mark)}${parts.join('\n')}\n`;
}

/**
 * About how wide a text is: 7 px a character at 12 px (DejaVu Sans, the font the PNG is drawn with, averages a little
 * under that on labels like "best epoch 30"), in proportion at other sizes. Labels are placed by it to stay inside the
 * plot: a label drawn past the picture's edge is cut ("best epoch 30" at the last epoch read "bes").
 */
const textWidth = (s: string, size = 12) => Math.ceil((7 * size * s.length) / 12);

/**
 * The title, centred, at 16 px or smaller to fit the width (a long file path in it); one that does not fit even at
 * 11 px loses its start (the path's folders), not its end (the verdict).
 */
function title(text: string, W: number): string {
  const room = W - 16;
  const size = Math.max(11, Math.min(16, Math.floor((16 * room) / textWidth(text, 16))));
  const fits = Math.floor((12 * room) / (7 * size));
  const shown = text.length > fits ? `…${text.slice(text.length - fits + 1)}` : text;
  return `<text x="${W / 2}" y="24" text-anchor="middle" font-size="${size}">${esc(shown)}</text>`;
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

/** The frame of a W x H picture; `legend` widens the right margin by that much, for a legend beside the plot. */
function frameOf(info: ChartInfo, W: number, H: number, legend = 0): Frame {
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
    // one x (one epoch, one test window): in the middle of the plot, not on its left edge
    xlo -= 0.5;
    xhi += 0.5;
  }
  if (yhi === ylo) {
    const h = flatHalfRange(ylo);
    yhi = ylo + h;
    ylo -= h;
  }
  const pad = (yhi - ylo) * 0.05;
  ylo -= pad;
  yhi += pad;
  // wide enough for the longest y tick label right of the axis label (x 9..21); a digit of DejaVu Sans is 0.636 em,
  // 7.6 px at 12 px, wider than textWidth's average: 1.0000005e+9 is 92 px
  const labelWidth = Math.max(0, ...yTicks(logY, ylo, yhi).map((t) => Math.ceil(7.7 * t.label.length)));
  const m = { l: Math.max(72, labelWidth + 32), r: 24 + legend, t: 44, b: 56 };
  const pw = W - m.l - m.r,
    ph = H - m.t - m.b;
  const sx = (x: number) => m.l + ((x - xlo) / (xhi - xlo)) * pw;
  const sy = (y: number) => m.t + ph - ((ty(y) - ylo) / (yhi - ylo)) * ph;
  return { W, H, m, pw, ph, logY, xlo, xhi, ylo, yhi, sx, sy };
}

/** Shaded x-bands with their labels. */
function bands(info: ChartInfo, { m, pw, ph, xlo, xhi, sx }: Frame): string[] {
  const parts: string[] = [];
  for (const b of info.bands ?? []) {
    const x0 = sx(Math.max(b.from, xlo)),
      x1 = sx(Math.min(b.to, xhi));
    parts.push(
      `<rect x="${x0.toFixed(1)}" y="${m.t}" width="${Math.max(0, x1 - x0).toFixed(1)}" height="${ph}" ` +
        `fill="${b.color ?? '#ffdd88'}" opacity="0.3"/>`,
    );
    // centred on the band, but inside the plot: a band of the last epochs or two is narrower than its label
    const half = textWidth(b.label) / 2;
    const cx = Math.min(Math.max((x0 + x1) / 2, m.l + half + 4), m.l + pw - half - 4);
    parts.push(
      `<text x="${cx.toFixed(1)}" y="${m.t + ph / 2}" text-anchor="middle" fill="#886600">${esc(b.label)}</text>`,
    );
  }
  return parts;
}

/**
 * The y ticks (log: decades and their 2x/5x) of a frame's range (log10 with logY), with their labels: a linear axis's
 * with the digits that tell them apart.
 */
function yTicks(logY: boolean, ylo: number, yhi: number): { v: number; label: string }[] {
  if (logY) return niceTicks(ylo, yhi, 5).map((e) => ({ v: 10 ** e, label: formatTick(10 ** e) }));
  const ticks = niceTicks(ylo, yhi, 6),
    labels = tickLabels(ticks);
  return ticks.map((v, i) => ({ v, label: labels[i]! }));
}

/** Grid lines and ticks, the frame and the axis labels. */
function axes(info: ChartInfo, { H, m, pw, ph, logY, xlo, xhi, ylo, yhi, sx, sy }: Frame): string[] {
  const parts: string[] = [];
  for (const { v, label } of yTicks(logY, ylo, yhi)) {
    const y = sy(v);
    if (y < m.t - 0.5 || y > m.t + ph + 0.5) continue;
    parts.push(`<line x1="${m.l}" x2="${m.l + pw}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${m.l - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end">${label}</text>`);
  }
  // x as counts (epochs, trial numbers: every series' x an integer, or its index from 1) has no 1.5 tick
  const counts = info.series.every((se) => !se.x || Array.from(se.x).every(Number.isInteger));
  // (niceTicks adds its step up: 1 + 5 x 0.2 is 2.0000000000000004, a whole number all the same)
  const whole = (v: number) => Math.abs(v - Math.round(v)) < 1e-9;
  const xTicks = niceTicks(xlo, xhi, 8)
    .filter((v) => !counts || whole(v))
    .map((v) => (counts ? Math.round(v) : v));
  const shown = xTicks.length >= 1 || !counts ? xTicks : niceTicks(xlo, xhi, 8);
  const labels = tickLabels(shown);
  shown.forEach((v, i) => {
    const x = sx(v);
    parts.push(`<line x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="${m.t + ph}" y2="${m.t + ph + 5}" stroke="#333"/>`);
    parts.push(`<text x="${x.toFixed(1)}" y="${m.t + ph + 18}" text-anchor="middle">${labels[i]}</text>`);
  });
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  parts.push(`<text x="${m.l + pw / 2}" y="${H - 14}" text-anchor="middle">${esc(info.xLabel)}</text>`);
  parts.push(
    `<text transform="translate(18 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle">` +
      `${esc(info.yLabel)}${logY ? ' (log scale)' : ''}</text>`,
  );
  return parts;
}

/**
 * Each series as pixel polylines: a non-finite value (or one <= 0 on a log scale) breaks the line. What the lines
 * draw and what the legend must not cover; a long one thinned to a few points a pixel column (thinPolyline).
 */
function polylines(info: ChartInfo, { logY, sx, sy }: Frame): [number, number][][][] {
  return info.series.map((s) => {
    const out: [number, number][][] = [];
    let cur: [number, number][] | null = null;
    for (let i = 0; i < s.values.length; i++) {
      const x = s.x ? s.x[i]! : i,
        y = s.values[i]!;
      if (!Number.isFinite(y) || (logY && y <= 0)) {
        cur = null;
        continue;
      }
      if (!cur) {
        cur = [];
        out.push(cur);
      }
      cur.push([sx(x), sy(y)]);
    }
    return out.map(thinPolyline);
  });
}

/**
 * One path per series, and a dot for each value that has no finite neighbour to join: a path of one point draws
 * nothing, so the loss of a one-epoch run and the forecast of a test split of one window were empty pictures.
 */
function lines(info: ChartInfo, f: Frame): string[] {
  return polylines(info, f).flatMap((parts, k) => {
    const s = info.series[k]!;
    const color = s.color ?? PALETTE[k % PALETTE.length];
    const d = parts
      .map((pts) => pts.map(([x, y], i) => `${i ? 'L' : 'M'}${x.toFixed(1)} ${y.toFixed(1)}`).join(''))
      .join('');
    const dots = parts
      .filter((pts) => pts.length === 1)
      .map((pts) => {
        const [x, y] = pts[0]!;
        return `<circle class="point" cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="3" fill="${color}"/>`;
      });
    return [
      `<path class="series" d="${d}" fill="none" stroke="${color}" stroke-width="1.6"` +
        `${s.dashed ? ' stroke-dasharray="5 4"' : ''}/>`,
      ...dots,
    ];
  });
}

/**
 * Vertical marks inside the x range, with their labels: right of the line, or left of it where the label would
 * leave the plot on the right (the best epoch is often the last), as the dashboard's chart places them.
 */
function marks(info: ChartInfo, { m, pw, ph, xlo, xhi, sx }: Frame): string[] {
  const parts: string[] = [];
  for (const mk of info.marks ?? []) {
    if (mk.x < xlo || mk.x > xhi) continue;
    const x = sx(mk.x);
    parts.push(
      `<line x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="${m.t}" y2="${m.t + ph}" ` +
        `stroke="${mk.color ?? '#2ca02c'}" stroke-dasharray="4 3"/>`,
    );
    parts.push(
      `<text ${besideLine(x, textWidth(mk.label), m.l, m.l + pw)} y="${m.t + ph - 6}" ` +
        `fill="${mk.color ?? '#2ca02c'}">${esc(mk.label)}</text>`,
    );
  }
  return parts;
}

/** The x and text-anchor of a label w px wide beside a line at x, 4 px off it, within [left, right] and 4 px in. */
function besideLine(x: number, w: number, left: number, right: number): string {
  const at = (v: number, anchor: string) => `x="${v.toFixed(1)}" text-anchor="${anchor}"`;
  if (x + 4 + w <= right - 4) return at(x + 4, 'start');
  if (x - 4 - w >= left + 4) return at(x - 4, 'end');
  return at(Math.max(left + 4, right - 4 - w), 'start'); // wider than either side: inside the plot, over its line
}

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The legend's size: a 24 px line sample and the longest label (about 7 px a character at 12 px). */
function legendSize(info: ChartInfo): { w: number; h: number } {
  return { w: 46 + Math.max(0, ...info.series.map((s) => textWidth(s.name))), h: info.series.length * 18 + 8 };
}

/** Whether the segment (x0, y0)-(x1, y1) meets the box (Liang-Barsky clipping). */
function crosses(x0: number, y0: number, x1: number, y1: number, b: Box): boolean {
  let t0 = 0,
    t1 = 1;
  const dx = x1 - x0,
    dy = y1 - y0;
  const edges: [number, number][] = [
    [-dx, x0 - b.x],
    [dx, b.x + b.w - x0],
    [-dy, y0 - b.y],
    [dy, b.y + b.h - y0],
  ];
  for (const [p, q] of edges) {
    if (p === 0) {
      if (q < 0) return false;
      continue;
    }
    const r = q / p;
    if (p < 0) t0 = Math.max(t0, r);
    else t1 = Math.min(t1, r);
    if (t0 > t1) return false;
  }
  return true;
}

/** The first corner of the plot (top right, top left, bottom right, bottom left) that no line crosses, if any. */
function legendCorner(info: ChartInfo, f: Frame): Box | null {
  const { w, h } = legendSize(info);
  const { m, pw, ph } = f;
  const left = m.l + 8,
    right = m.l + pw - w - 4,
    top = m.t + 4,
    bottom = m.t + ph - h - 4;
  const corners: Box[] = [
    { x: right, y: top, w, h },
    { x: left, y: top, w, h },
    { x: right, y: bottom, w, h },
    { x: left, y: bottom, w, h },
  ];
  const paths = polylines(info, f).flat();
  const free = (b: Box) =>
    paths.every((pts) =>
      pts.every(([x, y], i) => {
        const [px, py] = pts[Math.max(0, i - 1)]!;
        return !crosses(px, py, x, y, b);
      }),
    );
  return w <= pw - 12 && h <= ph - 8 ? (corners.find(free) ?? null) : null;
}

/** The legend box at `b`: a line sample and the name of each series. */
function legend(info: ChartInfo, b: Box): string[] {
  const parts: string[] = [];
  parts.push(
    `<rect class="legend" x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}" ` +
      'fill="white" opacity="0.85" stroke="#cccccc"/>',
  );
  info.series.forEach((s, k) => {
    const y = b.y + 12 + k * 18,
      lx = b.x + 8,
      color = s.color ?? PALETTE[k % PALETTE.length];
    parts.push(
      `<line x1="${lx}" x2="${lx + 24}" y1="${y}" y2="${y}" stroke="${color}" stroke-width="2"` +
        `${s.dashed ? ' stroke-dasharray="5 4"' : ''}/>`,
    );
    parts.push(`<text x="${lx + 30}" y="${y + 4}">${esc(s.name)}</text>`);
  });
  return parts;
}

// Charts: uPlot for curves with a few series (a trial's or run's losses, the optimization history), and plain
// canvas for the charts of thousands of lines or points (all trials' curves, slices, parallel coordinates), where
// one path per trial is cheaper than a chart series per trial.

import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { h } from './dom.js';
import { axisNumber, tickLabels } from './ticks.js';

/** Tick steps of an axis of epochs or trial numbers: whole numbers only. */
const INTEGER_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];

/**
 * How wide a chart is drawn: the page's content box (the window less main's and a section's padding, 90 px in
 * all), at most 900 px; never wider than a window of 330 px or more has room for.
 */
export const chartWidth = (): number => Math.min(900, Math.max(240, window.innerWidth - 90));

export const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#4b5563'];

export interface LineSeries {
  label: string;
  values: (number | null)[];
  color?: string;
  points?: boolean;
  dash?: number[];
}

/**
 * A uPlot chart of series over x (epochs from 1 by default), log y when every value is positive and they span more
 * than 20 times (as scaleOf), else linear: uPlot widens a log scale to whole powers of ten, so values within one
 * decade (losses of 0.31 to 0.33) were drawn as flat lines at the foot of a 0.3 to 1 axis. The y scale drawn is
 * written on the element as data-y (`min max`).
 */
export function lineChart(
  series: LineSeries[],
  o: { x?: number[]; xLabel?: string; height?: number; width?: number; marks?: { x: number; label: string }[] } = {},
): { el: HTMLElement; chart: uPlot } {
  const n = Math.max(0, ...series.map((s) => s.values.length));
  const xs = o.x ?? Array.from({ length: n }, (_, i) => i + 1);
  const all = series.flatMap((s) => s.values).filter((v): v is number => v !== null && Number.isFinite(v));
  const log = all.length > 0 && scaleOf(all).log;
  const el = h('div', { class: 'chart' });
  const marks = o.marks ?? [];
  const opts: uPlot.Options = {
    width: o.width ?? chartWidth(),
    height: o.height ?? 260,
    scales: { x: { time: false }, y: { distr: log ? 3 : 1 } },
    axes: [{ label: o.xLabel ?? 'epoch', incrs: INTEGER_STEPS }, yAxis(log, all)],
    series: [
      { label: o.xLabel ?? 'epoch' },
      ...series.map((s, i) => ({
        label: s.label,
        stroke: s.color ?? COLORS[i % COLORS.length],
        width: 1.5,
        dash: s.dash,
        spanGaps: false,
        points: { show: s.points ?? n <= 30, size: 5 },
        paths: s.points ? () => null : undefined,
      })),
    ],
    hooks: {
      setScale: [
        (u, key) => {
          if (key === 'y') el.dataset.y = `${u.scales.y!.min} ${u.scales.y!.max}`;
        },
      ],
      draw: [
        (u) => {
          const ctx = u.ctx;
          ctx.save();
          ctx.strokeStyle = '#9ca3af';
          ctx.fillStyle = '#374151';
          ctx.setLineDash([4, 4]);
          ctx.font = `${11 * devicePixelRatio}px sans-serif`;
          ctx.textAlign = 'left'; // uPlot leaves the context as its last axis set it (right-aligned)
          ctx.textBaseline = 'alphabetic';
          marks.forEach((m, i) => {
            const px = u.valToPos(m.x, 'x', true);
            ctx.beginPath();
            ctx.moveTo(px, u.bbox.top);
            ctx.lineTo(px, u.bbox.top + u.bbox.height);
            ctx.stroke();
            // one line of text per mark (two marks a few epochs apart printed their labels over each other); a
            // label that would leave the plot on the right is written to the left of its line
            const w = ctx.measureText(m.label).width;
            const x = px + 4 + w > u.bbox.left + u.bbox.width ? px - 4 - w : px + 4;
            ctx.fillText(m.label, x, u.bbox.top + (12 + 14 * i) * devicePixelRatio);
          });
          ctx.restore();
        },
      ],
    },
  };
  const data = [xs, ...series.map((s) => xs.map((_, i) => s.values[i] ?? null))] as uPlot.AlignedData;
  const chart = new uPlot(opts, data, el);
  return { el, chart };
}

/**
 * The y axis of a line chart: labels as axisNumber writes them in a width that holds them all (100,000 was cut to
 * `0,000`), and on a log scale a line at each power of ten only, with 2 and 5 between them when the values span two
 * decades or less (every minor line of several decades merged into grey bands).
 */
function yAxis(log: boolean, values: number[]): uPlot.Axis {
  const decades = values.length ? Math.log10(Math.max(...values) / Math.min(...values)) : 0;
  const keep = decades > 2 ? [1] : [1, 2, 5];
  const mantissa = (v: number) => v / 10 ** Math.floor(Math.log10(v) + 1e-9);
  const filter = (_u: uPlot, splits: number[]) =>
    splits.map((v) => (keep.some((k) => Math.abs(mantissa(v) - k) < 1e-6) ? v : null));
  return {
    values: (_u, splits) =>
      log ? splits.map((v) => (v === null || v === undefined ? '' : axisNumber(v))) : tickLabels(splits),
    size: (_u, labels) => 24 + 8 * Math.max(3, ...(labels ?? []).map((l) => l.length)),
    ...(log ? { filter, grid: { filter }, ticks: { filter } } : {}),
  };
}

/** A canvas at device resolution with a drawing area inside margins; returns it and a context in CSS pixels. */
export function canvas(width: number, height: number): { el: HTMLCanvasElement; ctx: CanvasRenderingContext2D } {
  const el = h('canvas', { width: width * devicePixelRatio, height: height * devicePixelRatio });
  el.style.width = `${width}px`;
  el.style.height = `${height}px`;
  const ctx = el.getContext('2d')!;
  ctx.scale(devicePixelRatio, devicePixelRatio);
  return { el, ctx };
}

export interface Scale {
  min: number;
  max: number;
  log: boolean;
}

/** The scale of some values; `integer`: they are whole numbers (one value is then padded by 1, not by 10%). */
export function scaleOf(values: Iterable<number | null>, integer = false): Scale {
  let min = Infinity,
    max = -Infinity,
    pos = true;
  for (const v of values)
    if (v !== null && Number.isFinite(v)) {
      if (v < min) min = v;
      if (v > max) max = v;
      if (v <= 0) pos = false;
    }
  if (min === Infinity) return { min: 0, max: 1, log: false };
  const log = pos && max / min > 20;
  if (min === max) {
    const pad = integer ? 1 : Math.abs(min) * 0.1 || 1; // one value: in the middle of a scale around it
    return { min: min - pad, max: max + pad, log: false };
  }
  return { min, max, log };
}

/** Position in [0, 1] of v on the scale. */
export const unit = (s: Scale, v: number): number =>
  s.log ? Math.log(v / s.min) / Math.log(s.max / s.min) : (v - s.min) / (s.max - s.min);

/** Axis labels at the ends of a scale, drawn beside a vertical or horizontal axis. */
export function tickText(s: Scale): [string, string] {
  return [axisNumber(s.min), axisNumber(s.max)];
}

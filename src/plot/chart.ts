// Plain chart data ("info" objects) made by analysis code; the SVG writer, the terminal chart and
// the dashboard only render them.

export interface Series {
  name: string;
  values: ArrayLike<number>;
  x?: ArrayLike<number>;
  color?: string;
  dashed?: boolean;
}
export interface Mark {
  x: number;
  label: string;
  color?: string;
}
export interface Band {
  from: number;
  to: number;
  label: string;
  color?: string;
}

export interface ChartInfo {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  logY?: boolean;
  marks?: Mark[];
  bands?: Band[];
}

/** Train and validation loss per epoch (epochs counted from 1), as the classic pyplot figure. */
export function lossChart(
  history: Record<string, number[]>,
  opts: { title?: string; logY?: boolean; bestEpoch?: number } = {},
): ChartInfo {
  const series: Series[] = [
    { name: 'train loss', values: history.loss!, x: history.loss!.map((_, i) => i + 1), color: '#1f77b4' },
  ];
  if (history.val_loss)
    series.push({
      name: 'validation loss',
      values: history.val_loss,
      x: history.val_loss.map((_, i) => i + 1),
      color: '#ff7f0e',
    });
  const marks =
    opts.bestEpoch !== undefined
      ? [{ x: opts.bestEpoch + 1, label: `best epoch ${opts.bestEpoch + 1}`, color: '#2ca02c' }]
      : [];
  return { title: opts.title ?? 'Model loss', xLabel: 'epoch', yLabel: 'loss', series, logY: opts.logY, marks };
}

/** Actual vs predicted values over the test period. */
export function forecastChart(
  actual: ArrayLike<number>,
  predicted: ArrayLike<number>,
  opts: { title?: string; x?: ArrayLike<number>; xLabel?: string; yLabel?: string; extra?: Series[] } = {},
): ChartInfo {
  return {
    title: opts.title ?? 'Forecast on the test period',
    xLabel: opts.xLabel ?? 'step',
    yLabel: opts.yLabel ?? 'value',
    series: [
      { name: 'actual', values: actual, x: opts.x, color: '#333333' },
      { name: 'predicted', values: predicted, x: opts.x, color: '#d62728' },
      ...(opts.extra ?? []),
    ],
  };
}

/**
 * Half the y range a chart gives a curve that never moves (one value): 1, or a tenth of the value where the value is
 * that large (a loss of 1e42, a run that blew up in its first epoch: 1e42 + 1 is 1e42, and a range of zero width
 * put every point at NaN).
 */
export const flatHalfRange = (v: number): number => Math.max(1, Math.abs(v) / 10);

/** About n round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n,
    mag = 10 ** Math.floor(Math.log10(raw)),
    f = raw / mag;
  const step = (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

/**
 * A tick's label; `step` (the distance to the next tick) asks for the digits that tell it from its neighbours. Four
 * significant digits (two in exponent form) labelled every tick of a series near 1e9 that moves by 1000 "1.0e+9",
 * and 1000.5 next to 1001 "1001" twice; with the step they read 1.0000005e+9 and 1000.5.
 */
export function formatTick(v: number, step?: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  // the significant digits from the value's first one down to the step's (ticks are multiples of the step)
  const need = step !== undefined && step > 0 ? Math.floor(Math.log10(a)) - Math.floor(Math.log10(step)) + 1 : 0;
  if (a >= 1e5 || a < 1e-3) return v.toExponential(Math.min(16, Math.max(1, need - 1)));
  return Number(v.toPrecision(Math.min(17, Math.max(4, need)))).toString();
}

/** The labels of evenly spaced ticks, each with the digits that tell it from the next (formatTick). */
export function tickLabels(ticks: number[]): string[] {
  const step = ticks.length >= 2 ? Math.abs(ticks[1]! - ticks[0]!) : undefined;
  return ticks.map((v) => formatTick(v, step));
}

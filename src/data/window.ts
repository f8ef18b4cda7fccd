// Windows of (lookback inputs, horizon targets). A window whose first target step is s reads inputs
// [s - lookback, s) and targets [s, s + horizon). It belongs to the split whose row range holds all of
// its target steps; its inputs may reach back before that range (the ETT protocol of the Informer paper).
import { DataError } from './errors.js';

export interface Windows {
  /** First target row of each window. */
  starts: number[];
  lookback: number;
  horizon: number;
  /** (N, lookback, features) scaled model inputs (relative to the last input step when `relative`). */
  x: Float32Array;
  /** (N, horizon * targets) what the model learns to output, horizon-major (relative when `relative`). */
  y: Float32Array;
  /** (N, horizon * targets) the scaled targets themselves (equal to y unless relative). */
  truth: Float32Array;
  /** (N, targets) value added back to the model's output (each target's last observed value), or null. */
  offset: Float32Array | null;
}

/** The model's output (N, horizon * targets) as scaled forecasts: adds back the window offsets, if any. */
export function absolute(w: Windows, pred: ArrayLike<number>): Float32Array {
  const out = Float32Array.from(pred);
  if (!w.offset) return out;
  const nT = w.offset.length / Math.max(w.starts.length, 1),
    per = w.horizon * nT;
  for (let n = 0; n < w.starts.length; n++)
    for (let i = 0; i < per; i++) out[n * per + i]! += w.offset[n * nT + (i % nT)]!;
  return out;
}

export function windowStarts(range: [number, number], lookback: number, horizon: number, stride: number): number[] {
  const starts: number[] = [];
  for (let s = Math.max(range[0], lookback); s + horizon <= range[1]; s += stride) starts.push(s);
  return starts;
}

/**
 * Cuts windows. With `relative`, every feature is taken relative to its value at the last input step
 * and every target relative to its last observed value (NLinear-style): the model then learns the
 * change from "tomorrow = today", and a model that outputs zeros is exactly persistence.
 */
export function makeWindows(
  starts: number[],
  lookback: number,
  horizon: number,
  features: Float64Array[],
  targets: Float64Array[],
  relative = false,
): Windows {
  const F = features.length,
    nT = targets.length,
    N = starts.length;
  const x = new Float32Array(N * lookback * F),
    y = new Float32Array(N * horizon * nT),
    truth = new Float32Array(N * horizon * nT);
  const offset = relative ? new Float32Array(N * nT) : null;
  starts.forEach((s, n) => {
    for (let f = 0; f < F; f++) {
      const ref = relative ? features[f]![s - 1]! : 0;
      for (let t = 0; t < lookback; t++) x[(n * lookback + t) * F + f] = features[f]![s - lookback + t]! - ref;
    }
    for (let k = 0; k < nT; k++) {
      const ref = relative ? targets[k]![s - 1]! : 0;
      if (offset) offset[n * nT + k] = ref;
      for (let h = 0; h < horizon; h++) {
        const i = (n * horizon + h) * nT + k;
        truth[i] = targets[k]![s + h]!;
        y[i] = truth[i]! - ref;
      }
    }
  });
  return { starts, lookback, horizon, x, y, truth, offset };
}

/** Row ranges of the splits, from fractions of the rows or explicit [start, end) ranges. */
export function splitRanges(
  rows: number,
  split: Record<'train' | 'val' | 'test', number | [number, number]>,
): Record<'train' | 'val' | 'test', [number, number]> {
  const names = ['train', 'val', 'test'] as const;
  if (names.every((k) => typeof split[k] === 'number')) {
    const f = names.map((k) => split[k] as number);
    const sum = f.reduce((a, b) => a + b, 0);
    if (Math.abs(sum - 1) > 1e-9)
      throw new DataError(`data.split: fractions must add up to 1, received ${f.join(' + ')} = ${sum}`);
    const a = Math.round(rows * f[0]!),
      b = Math.round(rows * (f[0]! + f[1]!));
    return { train: [0, a], val: [a, b], test: [b, rows] };
  }
  if (names.every((k) => Array.isArray(split[k]))) {
    const r = Object.fromEntries(names.map((k) => [k, split[k] as [number, number]])) as Record<
      'train' | 'val' | 'test',
      [number, number]
    >;
    for (const k of names) {
      const [a, b] = r[k];
      if (!(Number.isInteger(a) && Number.isInteger(b) && a >= 0 && b > a))
        throw new DataError(`data.split.${k}: expected [start, end) with 0 <= start < end, received [${a}, ${b}]`);
      if (b > rows) throw new DataError(`data.split.${k}: range [${a}, ${b}) reaches past the ${rows} rows of data`);
    }
    return r;
  }
  throw new DataError('data.split: give train, val and test all as fractions or all as [start, end) row ranges');
}

// Windows of (lookback inputs, horizon targets). A window whose first target step is s reads inputs
// [s - lookback, s) and targets [s, s + horizon). It belongs to the split whose row range holds all of
// its target steps; its inputs may reach back before that range (the ETT protocol of the Informer paper).
import { DataError } from './errors.js';

export interface Windows {
  /** First target row of each window. */
  starts: number[];
  lookback: number;
  horizon: number;
  /** (N, lookback, features) scaled inputs. */
  x: Float32Array;
  /** (N, horizon * targets) scaled targets, horizon-major. */
  y: Float32Array;
}

export function windowStarts(range: [number, number], lookback: number, horizon: number, stride: number): number[] {
  const starts: number[] = [];
  for (let s = Math.max(range[0], lookback); s + horizon <= range[1]; s += stride) starts.push(s);
  return starts;
}

export function makeWindows(starts: number[], lookback: number, horizon: number, features: Float64Array[], targets: Float64Array[]): Windows {
  const F = features.length, nT = targets.length, N = starts.length;
  const x = new Float32Array(N * lookback * F), y = new Float32Array(N * horizon * nT);
  starts.forEach((s, n) => {
    for (let t = 0; t < lookback; t++) for (let f = 0; f < F; f++) x[(n * lookback + t) * F + f] = features[f][s - lookback + t];
    for (let h = 0; h < horizon; h++) for (let k = 0; k < nT; k++) y[(n * horizon + h) * nT + k] = targets[k][s + h];
  });
  return { starts, lookback, horizon, x, y };
}

/** Row ranges of the splits, from fractions of the rows or explicit [start, end) ranges. */
export function splitRanges(rows: number, split: Record<'train' | 'val' | 'test', number | [number, number]>): Record<'train' | 'val' | 'test', [number, number]> {
  const names = ['train', 'val', 'test'] as const;
  if (names.every((k) => typeof split[k] === 'number')) {
    const f = names.map((k) => split[k] as number);
    const sum = f.reduce((a, b) => a + b, 0);
    if (Math.abs(sum - 1) > 1e-9) throw new DataError(`data.split: fractions must add up to 1, received ${f.join(' + ')} = ${sum}`);
    const a = Math.round(rows * f[0]), b = Math.round(rows * (f[0] + f[1]));
    return { train: [0, a], val: [a, b], test: [b, rows] };
  }
  if (names.every((k) => Array.isArray(split[k]))) {
    const r = Object.fromEntries(names.map((k) => [k, split[k] as [number, number]])) as Record<'train' | 'val' | 'test', [number, number]>;
    for (const k of names) {
      const [a, b] = r[k];
      if (!(Number.isInteger(a) && Number.isInteger(b) && a >= 0 && b > a)) throw new DataError(`data.split.${k}: expected [start, end) with 0 <= start < end, received [${a}, ${b}]`);
      if (b > rows) throw new DataError(`data.split.${k}: range [${a}, ${b}) reaches past the ${rows} rows of data`);
    }
    return r;
  }
  throw new DataError('data.split: give train, val and test all as fractions or all as [start, end) row ranges');
}

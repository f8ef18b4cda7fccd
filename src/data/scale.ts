// Per-column scalers fitted on the training rows only (no leakage), stored with the model and
// inverted for reporting in the data's own units.
//   minmax:   (x - min) / (max - min)          standard: (x - mean) / std (population std, as scikit-learn)
//   robust:   (x - median) / IQR               none:     x
import { expected, ValueError } from '../errors.js';

export type ScalerKind = 'minmax' | 'standard' | 'robust' | 'none';
export const SCALERS: readonly ScalerKind[] = ['minmax', 'standard', 'robust', 'none'];

export interface ScalerState {
  kind: ScalerKind;
  columns: string[];
  center: number[];
  scale: number[];
}

/**
 * The population sd of v about c where its squares overflow float64 (deviations above 1e154): summed as shares of the
 * largest deviation. Values near 1e300 got scale 1 (the fallback for a constant column), and a column of 2e300 was
 * refused as becoming -6.9e298 when scaled by data.scale: standard.
 */
function spreadOf(v: Float64Array, c: number): number {
  let big = 0,
    share = 0;
  for (let i = 0; i < v.length; i++) big = Math.max(big, Math.abs(v[i]! - c));
  // beyond 1e307 a forecast's error (a difference of two values) may overflow float64: scale 1, which prepare refuses
  if (!(big <= 1e307)) return 1;
  for (let i = 0; i < v.length; i++) share += ((v[i]! - c) / big) ** 2;
  return big * Math.sqrt(share / v.length);
}

export class Scaler {
  constructor(readonly state: ScalerState) {}

  /** Fits on rows [from, to) of each column. A constant column gets scale 1 (it maps to 0). */
  static fit(kind: ScalerKind, columns: string[], data: Float64Array[], from: number, to: number): Scaler {
    if (!SCALERS.includes(kind)) throw new ValueError(expected('data.scale', SCALERS.join(' | '), kind));
    const center: number[] = [],
      scale: number[] = [];
    for (const col of data) {
      // Loops over the rows, never Math.min(...v): spreading a column onto the call stack overflows it past
      // ~125,000 rows. Sums run in row order, as reduce did.
      const v = col.subarray(from, to);
      let c = 0,
        s = 1;
      if (kind === 'minmax') {
        let lo = Infinity,
          hi = -Infinity;
        for (let i = 0; i < v.length; i++) {
          lo = Math.min(lo, v[i]!);
          hi = Math.max(hi, v[i]!);
        }
        c = lo;
        s = hi - lo;
      } else if (kind === 'standard') {
        let sum = 0,
          sq = 0;
        for (let i = 0; i < v.length; i++) sum += v[i]!;
        c = sum / v.length;
        for (let i = 0; i < v.length; i++) sq += (v[i]! - c) ** 2;
        s = Number.isFinite(sq) ? Math.sqrt(sq / v.length) : spreadOf(v, c);
      } else if (kind === 'robust') {
        const q = v.slice().sort();
        const at = (p: number) => {
          const i = p * (q.length - 1),
            lo = Math.floor(i);
          return q[lo]! + (q[Math.min(lo + 1, q.length - 1)]! - q[lo]!) * (i - lo);
        };
        c = at(0.5);
        s = at(0.75) - at(0.25);
      }
      center.push(c);
      scale.push(s > 0 && Number.isFinite(s) ? s : 1);
    }
    return new Scaler({ kind, columns, center, scale });
  }

  transform(i: number, v: number): number {
    return (v - this.state.center[i]!) / this.state.scale[i]!;
  }
  inverse(i: number, v: number): number {
    return v * this.state.scale[i]! + this.state.center[i]!;
  }
  indexOf(column: string): number {
    return this.state.columns.indexOf(column);
  }
}

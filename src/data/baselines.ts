// Naive forecasts scored on exactly the windows the model is scored on, so every number has a
// reference: persistence repeats the last observed target value for every horizon step; seasonal
// naive takes the latest observed value one or more seasons back at the same phase; mean predicts
// the training mean; linear is a ridge regression from the window's inputs to every horizon step, fitted on
// the training windows with its penalty chosen on the validation windows (linear.ts).
import type { Windows } from './window.js';

export type SeasonalSpec = { seasonal_naive: { season: number } };
export type NaiveSpec = 'persistence' | 'mean' | SeasonalSpec;
export type LinearSpec = 'linear' | { linear: { lookback?: number } };
export type BaselineSpec = NaiveSpec | LinearSpec;

/** The baselines of every metrics table unless `evaluate.baselines` lists others. */
export const DEFAULT_BASELINES: readonly BaselineSpec[] = ['persistence', 'mean', 'linear'];
export interface Scores {
  mse: number;
  mae: number;
  rmse: number;
}

/**
 * Forecast (N, H, targets) of a naive baseline for the windows, on the scale of `series` and in its float64. `kept`:
 * each usable row's row in the file, where data.missing: drop removed rows (seasonalValue counts seasons in them).
 */
export function baselineForecast(
  spec: NaiveSpec,
  w: Windows,
  series: Float64Array[],
  trainMean: number[],
  kept?: Int32Array | null,
): Float64Array {
  const { starts, horizon: H } = w,
    nT = series.length;
  const out = new Float64Array(starts.length * H * nT);
  starts.forEach((s, n) => {
    for (let h = 0; h < H; h++)
      for (let k = 0; k < nT; k++) {
        let v: number;
        if (spec === 'persistence') v = series[k]![s - 1]!;
        else if (spec === 'mean') v = trainMean[k]!;
        else v = seasonalValue(series[k]!, s, h, spec.seasonal_naive.season, kept);
        out[(n * H + h) * nT + k] = v;
      }
  });
  return out;
}

/**
 * The seasonal naive forecast of target step h of the window whose first target row is s: the latest value a whole
 * number of seasons (m rows) before that step and before s (seasonalIndex). NaN where there is none.
 */
function seasonalValue(col: Float64Array, s: number, h: number, m: number, kept?: Int32Array | null): number {
  const j = seasonalIndex(s, h, m, kept);
  return j >= 0 ? col[j]! : Number.NaN;
}

/**
 * The usable row a seasonal naive of season m reads for target step h of the window whose first target row is s,
 * or -1 where there is none (the data starts later than every such row, or data.missing: drop removed each one).
 * Seasons count the file's rows: where data.missing: drop removed rows (kept), m usable rows back was further back
 * than a season, at another phase, and a season back that was dropped is looked for one more season back.
 */
export function seasonalIndex(s: number, h: number, m: number, kept?: Int32Array | null): number {
  const first = m * Math.ceil((h + 1) / m);
  if (!kept) return s + h - first >= 0 ? s + h - first : -1;
  const row = kept[s + h]!;
  for (let back = first; row - back >= kept[0]!; back += m) {
    const j = usableIndex(kept, row - back);
    if (j >= 0) return j;
  }
  return -1;
}

/** The usable row that is file row `row` (kept ascending), or -1 where data.missing: drop removed it. */
function usableIndex(kept: Int32Array, row: number): number {
  let lo = 0,
    hi = kept.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (kept[mid]! === row) return mid;
    if (kept[mid]! < row) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/**
 * MSE, MAE and RMSE of pred against target; with `observed`, of the values it marks 1 only (the target cells the CSV
 * had: PreparedData.filledTargets), NaN where it marks none. Errors whose squares overflow float64 (above 1e154) are
 * summed as shares of the largest: a series near 1e300 read RMSE Infinity, its MAE 5.6e299.
 */
export function score(pred: ArrayLike<number>, target: ArrayLike<number>, observed?: Uint8Array | null): Scores {
  let se = 0,
    ae = 0,
    big = 0,
    count = 0;
  for (let i = 0; i < target.length; i++) {
    if (observed && !observed[i]) continue;
    const d = pred[i]! - target[i]!;
    se += d * d;
    ae += Math.abs(d);
    big = Math.max(big, Math.abs(d));
    count++;
  }
  const n = observed ? count : Math.max(target.length, 1);
  if (Number.isFinite(se) || !Number.isFinite(big)) return { mse: se / n, mae: ae / n, rmse: Math.sqrt(se / n) };
  let share = 0;
  for (let i = 0; i < target.length; i++) if (!observed || observed[i]) share += ((pred[i]! - target[i]!) / big) ** 2;
  const rmse = big * Math.sqrt(share / n);
  return { mse: rmse * rmse, mae: ae / n, rmse };
}

/**
 * The name of a baseline's scores: its own; `linear_<lookback>` for a linear model with a lookback of its own;
 * `seasonal_naive_<season>` for a seasonal naive listed after one of another season (`earlier`: the baselines listed
 * before it), so that the first keeps the name metrics.json has always used and the second's scores do not replace
 * its scores under it (hourly data with seasons 24 and 168 lost the 24's).
 */
export function baselineName(spec: BaselineSpec, earlier: readonly BaselineSpec[] = []): string {
  if (typeof spec === 'string') return spec;
  if ('linear' in spec) return spec.linear.lookback ? `linear_${spec.linear.lookback}` : 'linear';
  const first = earlier.find((b): b is SeasonalSpec => typeof b === 'object' && 'seasonal_naive' in b);
  const season = spec.seasonal_naive.season;
  return first && first.seasonal_naive.season !== season ? `seasonal_naive_${season}` : 'seasonal_naive';
}

export function isLinear(spec: BaselineSpec): spec is LinearSpec {
  return spec === 'linear' || (typeof spec === 'object' && 'linear' in spec);
}

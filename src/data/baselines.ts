// Naive forecasts scored on exactly the windows the model is scored on, so every number has a
// reference: persistence repeats the last observed target value for every horizon step; seasonal
// naive takes the latest observed value one or more seasons back at the same phase; mean predicts
// the training mean; linear is a ridge regression from the window's inputs to every horizon step, fitted on
// the training windows with its penalty chosen on the validation windows (linear.ts).
import type { Windows } from './window.js';

export type NaiveSpec = 'persistence' | 'mean' | { seasonal_naive: { season: number } };
export type LinearSpec = 'linear' | { linear: { lookback?: number } };
export type BaselineSpec = NaiveSpec | LinearSpec;

/** The baselines of every metrics table unless `evaluate.baselines` lists others. */
export const DEFAULT_BASELINES: readonly BaselineSpec[] = ['persistence', 'mean', 'linear'];
export interface Scores {
  mse: number;
  mae: number;
  rmse: number;
}

/** Forecast (N, H, targets) of a naive baseline for the windows, on the scale of `series` and in its float64. */
export function baselineForecast(
  spec: NaiveSpec,
  w: Windows,
  series: Float64Array[],
  trainMean: number[],
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
        else {
          const m = spec.seasonal_naive.season;
          v = series[k]![s + h - m * Math.ceil((h + 1) / m)]!;
        }
        out[(n * H + h) * nT + k] = v;
      }
  });
  return out;
}

export function score(pred: ArrayLike<number>, target: ArrayLike<number>): Scores {
  let se = 0,
    ae = 0;
  for (let i = 0; i < target.length; i++) {
    const d = pred[i]! - target[i]!;
    se += d * d;
    ae += Math.abs(d);
  }
  const n = Math.max(target.length, 1);
  return { mse: se / n, mae: ae / n, rmse: Math.sqrt(se / n) };
}

/** The name of a baseline's scores: its own; `linear_<lookback>` for a linear model with a lookback of its own. */
export function baselineName(spec: BaselineSpec): string {
  if (typeof spec === 'string') return spec;
  if ('linear' in spec) return spec.linear.lookback ? `linear_${spec.linear.lookback}` : 'linear';
  return 'seasonal_naive';
}

export function isLinear(spec: BaselineSpec): spec is LinearSpec {
  return spec === 'linear' || (typeof spec === 'object' && 'linear' in spec);
}

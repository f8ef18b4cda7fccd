// Scores on prepared windows: the naive baselines and a model's output against the truth, on the
// scaled and the original scale.
import { type BaselineSpec, baselineForecast, baselineName, isLinear, type Scores, score } from './baselines.js';
import { linearForecast, linearTooWide } from './linear.js';
import { Scaler } from './scale.js';
import type { PreparedData } from './types.js';
import { absolute, type Windows } from './window.js';

/** Scores of the baselines on a split's windows, on the scaled and the original scale. */
export function baselineScores(
  d: PreparedData,
  split: 'train' | 'val' | 'test',
  specs: BaselineSpec[],
): { scaled: Record<string, Scores>; original: Record<string, Scores>; notes: string[] } {
  const notes: string[] = [];
  const w = d.windows[split];
  const scaled: Record<string, Scores> = {},
    original: Record<string, Scores> = {};
  const [a, b] = d.ranges.train;
  const mean = (s: Float64Array[]) =>
    s.map((v) => {
      let t = 0;
      for (let i = a; i < b; i++) t += v[i]!;
      return t / (b - a);
    });
  const truthOrig = originalTargets(d, w),
    truth = w.truth();
  for (const [i, spec] of specs.entries()) {
    const name = baselineName(spec, specs.slice(0, i));
    if (isLinear(spec)) {
      const lookback = spec === 'linear' ? undefined : spec.linear.lookback;
      const wide = linearTooWide(d, lookback) ?? linearTooLong(d, lookback);
      if (wide) {
        notes.push(wide);
        continue;
      }
      const pred = linearForecast(d, split, lookback);
      scaled[name] = score(pred, truth);
      original[name] = score(unscaleTargets(d, pred), truthOrig);
      continue;
    }
    const early = typeof spec === 'object' ? seasonTooLong(d, spec.seasonal_naive.season) : null;
    if (early) {
      notes.push(early);
      continue;
    }
    scaled[name] = score(baselineForecast(spec, w, d.targetSeries.scaled, mean(d.targetSeries.scaled), d.kept), truth);
    original[name] = score(
      baselineForecast(spec, w, d.targetSeries.original, mean(d.targetSeries.original), d.kept),
      truthOrig,
    );
  }
  return { scaled, original, notes };
}

/**
 * Why the seasonal naive baseline is left out (a validation or test window has no value a whole season or more
 * before it: the data starts later), or null. Its scores were NaN (null in metrics.json), and the table's verdict
 * then named a baseline that was not the best. Decided on both splits, so that a run's splits list the same ones.
 */
function seasonTooLong(d: PreparedData, season: number): string | null {
  for (const split of ['val', 'test'] as const) {
    const w = d.windows[split];
    const f = baselineForecast({ seasonal_naive: { season } }, w, d.targetSeries.original, [], d.kept);
    const bad = f.findIndex((v) => Number.isNaN(v));
    if (bad < 0) continue;
    const s = w.starts[Math.floor(bad / (w.horizon * d.targets.length))]!;
    const before = d.kept ? d.kept[s]! : s;
    return (
      `the seasonal_naive baseline is left out: its season of ${season} rows reaches before the data's first row ` +
      `from the ${split === 'val' ? 'validation' : 'test'} window with ${before} rows before it ` +
      '(after data.skip_rows); give it a shorter season, or a split with more rows before validation and test'
    );
  }
  return null;
}

/**
 * Why a linear baseline with a lookback of its own is left out (no training or validation window has that many rows
 * before it, to fit on and to choose its penalty on), or null: its fit failed, exit 1 as a bug.
 */
function linearTooLong(d: PreparedData, lookback?: number): string | null {
  if (lookback === undefined) return null;
  const split = (['train', 'val'] as const).find((k) => !d.windows[k].starts.some((s) => s >= lookback));
  if (!split) return null;
  const last = d.windows[split].starts.at(-1)!;
  return (
    `the linear baseline with lookback ${lookback} is left out: no ${split === 'val' ? 'validation' : 'training'} ` +
    `window has ${lookback} rows before it to fit on (the last has ${last}); give it a lookback of at most ${last}`
  );
}

/**
 * Why a baseline of `specs` (evaluate.baselines, in its order) cannot be scored on prepared data, as
 * `evaluate.baselines[i]...: expected ..., received ...`, or undefined. A seasonal naive reads the target a season
 * before each window's first target step, so a season beyond the first validation or test window's reaches before
 * row 0 (its scores were NaN, and "the model does NOT beat seasonal_naive (vs NaN)"); a linear model of its own
 * lookback is fitted on the training windows whose inputs all exist, so a lookback beyond the last one's leaves it
 * none (its fit threw after the model had trained: exit 1, "a bug in seqtune"). Windows start in time order.
 */
export function baselineProblem(d: PreparedData, specs: readonly BaselineSpec[]): string | undefined {
  const firstOf = (w: Windows) => (w.count ? w.starts[0]! : Infinity);
  const scored = Math.min(firstOf(d.windows.val), firstOf(d.windows.test));
  const train = d.windows.train;
  const lastTrain = train.count ? train.starts[train.count - 1]! : 0;
  for (const [i, b] of specs.entries()) {
    if (typeof b !== 'object') continue;
    const at = `evaluate.baselines[${i}]`;
    if ('seasonal_naive' in b && b.seasonal_naive.season > scored)
      return (
        `${at}.seasonal_naive.season: expected at most ${scored}, the rows before the first validation or test ` +
        `window's first target, received ${b.seasonal_naive.season}`
      );
    if ('linear' in b && b.linear.lookback !== undefined && b.linear.lookback > lastTrain)
      return (
        `${at}.linear.lookback: expected at most ${lastTrain}, the rows before the last training window's first ` +
        `target (its fit needs a window whose inputs all exist), received ${b.linear.lookback}`
      );
  }
  return undefined;
}

/**
 * A split's targets in original units (horizon-major, as Windows.y), in float64 as the series is: float32 rounds a
 * value near 1e12 to a multiple of 65536, which made a persistence RMSE of 3.5e4 read 4.8e4.
 */
export function originalTargets(d: PreparedData, w: Windows): Float64Array {
  const nT = d.targets.length,
    out = new Float64Array(w.starts.length * w.horizon * nT);
  for (let n = 0; n < w.count; n++) {
    const s = w.starts[n]!;
    for (let h = 0; h < w.horizon; h++)
      for (let k = 0; k < nT; k++) out[(n * w.horizon + h) * nT + k] = d.targetSeries.original[k]![s + h]!;
  }
  return out;
}

/**
 * A model's output on a split's windows scored against the truth, on the scaled and the original scale (offsets of
 * relative windows added back).
 */
export function scoreForecast(
  d: PreparedData,
  split: 'train' | 'val' | 'test',
  modelOutput: ArrayLike<number>,
): { scaled: Scores; original: Scores } {
  const w = d.windows[split];
  const pred = absolute(w, modelOutput);
  return { scaled: score(pred, w.truth()), original: score(unscaleTargets(d, pred), originalTargets(d, w)) };
}

/** Maps scaled predictions (horizon-major, targets last) back to original units. */
export function unscaleTargets(d: PreparedData, pred: ArrayLike<number>): Float64Array {
  const scaler = new Scaler(d.scaler),
    nT = d.targets.length,
    idx = d.targets.map((t) => scaler.indexOf(t));
  // float64, as originalTargets: a scaled float32 forecast is exact to about 1e-7 of the scale, not of the level
  return Float64Array.from({ length: pred.length }, (_, i) => scaler.inverse(idx[i % nT]!, pred[i]!));
}

// Scores on prepared windows: the naive baselines and a model's output against the truth, on the
// scaled and the original scale.
import {
  type BaselineSpec,
  baselineForecast,
  baselineName,
  isLinear,
  type Scores,
  score,
  seasonalIndex,
} from './baselines.js';
import { plural } from './errors.js';
import {
  LINEAR_SLOW_SECONDS,
  linearFitSeconds,
  linearFitted,
  linearForecastSeconds,
  linearForecastSteps,
  linearTooWide,
  ridgeShape,
} from './linear.js';
import { Scaler } from './scale.js';
import { runSteps, runStepsAsync, type Steps } from './steps.js';
import type { PreparedData } from './types.js';
import { forecastsOf, type Windows } from './window.js';

/** The baselines' scores on a split (baselineScores). */
export interface BaselineScores {
  scaled: Record<string, Scores>;
  original: Record<string, Scores>;
  /** Where there are several targets: target -> baseline -> scores, in the target's own units. */
  by_target?: Record<string, Record<string, Scores>>;
  notes: string[];
}

/** Scores of the baselines on a split's windows, on the scaled and the original scale. */
export function baselineScores(
  d: PreparedData,
  split: 'train' | 'val' | 'test',
  specs: BaselineSpec[],
): BaselineScores {
  return runSteps(baselineScoresSteps(d, split, specs));
}

/**
 * baselineScores with a turn of the event loop every so often during the linear baseline's fit and forecasts
 * (runStepsAsync; `onTurn` before each), so that a signal stops it and a progress line moves; the same scores.
 */
export function baselineScoresAsync(
  d: PreparedData,
  split: 'train' | 'val' | 'test',
  specs: BaselineSpec[],
  onTurn?: () => void,
): Promise<BaselineScores> {
  return runStepsAsync(baselineScoresSteps(d, split, specs), onTurn);
}

/** baselineScores a step at a time (steps.ts): the linear baseline's fit and forecasts are its steps. */
function* baselineScoresSteps(
  d: PreparedData,
  split: 'train' | 'val' | 'test',
  specs: BaselineSpec[],
): Steps<BaselineScores> {
  const notes: string[] = [];
  const w = d.windows[split];
  const scaled: Record<string, Scores> = {},
    original: Record<string, Scores> = {},
    byTarget: Record<string, Record<string, Scores>> | undefined = d.targets.length > 1 ? {} : undefined;
  const scoreOriginal = (name: string, pred: ArrayLike<number>) => {
    original[name] = score(pred, truthOrig, observed);
    const each = targetScores(d.targets, pred, truthOrig, observed);
    if (each && byTarget) for (const t of d.targets) byTarget[t] = { ...byTarget[t], [name]: each[t]! };
  };
  const [a, b] = d.ranges.train;
  const mean = (s: Float64Array[]) =>
    s.map((v) => {
      let t = 0;
      for (let i = a; i < b; i++) t += v[i]!;
      return t / (b - a);
    });
  const truthOrig = originalTargets(d, w),
    truth = w.truth(),
    observed = observedTargets(d, split);
  if (observed) notes.push(filledNote(observed));
  for (const [i, spec] of specs.entries()) {
    const name = baselineName(spec, specs.slice(0, i));
    if (isLinear(spec)) {
      const lookback = spec === 'linear' ? undefined : spec.linear.lookback;
      const wide = linearTooWide(d, lookback) ?? linearTooLong(d, lookback);
      if (wide) {
        notes.push(wide);
        continue;
      }
      const pred = yield* linearForecastSteps(d, split, lookback);
      scaled[name] = score(pred, truth, observed);
      scoreOriginal(name, unscaleTargets(d, pred));
      continue;
    }
    const early = typeof spec === 'object' ? seasonTooLong(d, spec.seasonal_naive.season) : null;
    if (early) {
      notes.push(early);
      continue;
    }
    const forecast = baselineForecast(spec, w, d.targetSeries.scaled, mean(d.targetSeries.scaled), d.kept);
    scaled[name] = score(forecast, truth, observed);
    scoreOriginal(name, baselineForecast(spec, w, d.targetSeries.original, mean(d.targetSeries.original), d.kept));
  }
  return { scaled, original, ...(byTarget && { by_target: byTarget }), notes };
}

/**
 * The lines to print before the baselines of `specs` are scored on `splits`, one per linear baseline whose fit and
 * forecasts of those splits' windows are expected to take more than LINEAR_SLOW_SECONDS and is not fitted yet:
 * "fitting the linear baseline on N inputs (about M s)", so that the minutes near LINEAR_MAX_INPUTS are not silence.
 * The forecasts are counted (linearForecastSeconds): at 1,000,000 rows x 20 they were 2 x 57 s of CPU after the
 * fit's 123, which the notice left out.
 */
export function linearFitNotices(
  d: PreparedData,
  specs: BaselineSpec[],
  splits: readonly ('val' | 'test')[] = ['val', 'test'],
): string[] {
  return linearFits(d, specs, splits)
    .filter((f) => f.seconds > LINEAR_SLOW_SECONDS)
    .map(
      (f) =>
        `fitting the linear baseline on ${f.inputs.toLocaleString('en-US')} inputs (about ${Math.round(f.seconds)} s)`,
    );
}

/**
 * The linear baselines of `specs` not fitted yet, once per lookback: their inputs and the seconds expected for the fit
 * and the forecasts of the windows of `splits` (linearFitSeconds, linearForecastSeconds).
 */
export function linearFits(
  d: PreparedData,
  specs: BaselineSpec[],
  splits: readonly ('val' | 'test')[] = ['val', 'test'],
): { inputs: number; seconds: number }[] {
  const out: { inputs: number; seconds: number }[] = [],
    seen = new Set<number>();
  for (const spec of specs) {
    if (!isLinear(spec)) continue;
    const lookback = (spec === 'linear' ? undefined : spec.linear.lookback) ?? d.windows.train.lookback;
    if (linearTooWide(d, lookback) ?? linearTooLong(d, lookback)) continue;
    if (seen.has(lookback) || linearFitted(d, lookback)) continue;
    seen.add(lookback);
    const shape = ridgeShape(d, lookback),
      windows = splits.reduce((n, split) => n + d.windows[split].count, 0);
    out.push({
      inputs: lookback * d.scaledFeatures.length,
      seconds: linearFitSeconds(shape) + linearForecastSeconds(shape, windows),
    });
  }
  return out;
}

/**
 * Each target's scores (forecasts and truth horizon-major, targets last), keyed by its name; undefined for one target,
 * whose scores are the split's. A split's original-unit scores average every target's errors, in units that differ
 * from target to target (degrees and megawatts): only these say how far off each forecast is in its own.
 */
export function targetScores(
  targets: readonly string[],
  pred: ArrayLike<number>,
  truth: ArrayLike<number>,
  observed?: Uint8Array | null,
): Record<string, Scores> | undefined {
  const nT = targets.length;
  if (nT < 2) return undefined;
  const out: Record<string, Scores> = {};
  for (const [k, name] of targets.entries()) {
    const n = Math.floor(truth.length / nT),
      p = new Float64Array(n),
      t = new Float64Array(n),
      o = observed ? new Uint8Array(n) : null;
    for (let i = 0; i < n; i++) {
      p[i] = pred[i * nT + k]!;
      t[i] = truth[i * nT + k]!;
      if (o) o[i] = observed![i * nT + k]!;
    }
    out[name] = score(p, t, o);
  }
  return out;
}

/**
 * Which target values of the test windows the CSV had (1) and which data.missing filled (0), horizon-major as
 * originalTargets; null where none was filled, and for the other splits. A filled value is no truth to report a score
 * against: persistence scored 0 on every forward-filled one, and a forecast near 100 was scored against a constant 0
 * (lk.csv: persistence's test RMSE of y 29.6 with missing: ffill, 42.7 with {constant: 0}, from three filled cells).
 * Validation scores keep them, as val_loss does: what the choices made on validation compare stays alike.
 */
export function observedTargets(d: PreparedData, split: 'train' | 'val' | 'test'): Uint8Array | null {
  const filled = d.filledTargets;
  if (!filled || split !== 'test') return null;
  const w = d.windows.test,
    nT = d.targets.length,
    out = new Uint8Array(w.count * w.horizon * nT);
  let any = false;
  for (let n = 0; n < w.count; n++) {
    const s = w.starts[n]!;
    for (let h = 0; h < w.horizon; h++)
      for (let k = 0; k < nT; k++) {
        const f = filled[k]![s + h]!;
        out[(n * w.horizon + h) * nT + k] = f ? 0 : 1;
        any ||= f === 1;
      }
  }
  return any ? out : null;
}

/** The note of test windows with filled target values (observedTargets): how many the scores leave out. */
function filledNote(observed: Uint8Array): string {
  const left = observed.reduce((a, o) => a + (o ? 0 : 1), 0);
  return (
    `${plural(left, 'test target value')} of ${observed.length.toLocaleString('en-US')} ` +
    `${left === 1 ? 'was' : 'were'} missing in the CSV (filled by data.missing): the scores leave ` +
    `${left === 1 ? 'it' : 'them'} out`
  );
}

/**
 * A split's scores, the model's and the baselines' side by side, as metrics.json keeps them: scaled, original, and
 * where there are several targets `by_target` (target -> model and baselines -> scores, in the target's own units).
 */
export interface SplitScores {
  scaled: Record<string, Scores>;
  original: Record<string, Scores>;
  by_target?: Record<string, Record<string, Scores>>;
}

/** The model's output on a split's windows scored next to the baselines of `specs` (notes: baselines left out). */
export function splitScores(
  d: PreparedData,
  split: 'val' | 'test',
  modelOutput: ArrayLike<number>,
  specs: BaselineSpec[],
): SplitScores & { notes: string[] } {
  return runSteps(splitScoresSteps(d, split, modelOutput, specs));
}

/**
 * splitScores with a turn of the event loop every so often during the linear baseline's fit and forecasts
 * (baselineScoresAsync): one call held Ctrl-C and SIGTERM off to the fit's end (evaluate and train on ETTh1, 7
 * features over a lookback of 336: half a minute).
 */
export function splitScoresAsync(
  d: PreparedData,
  split: 'val' | 'test',
  modelOutput: ArrayLike<number>,
  specs: BaselineSpec[],
): Promise<SplitScores & { notes: string[] }> {
  return runStepsAsync(splitScoresSteps(d, split, modelOutput, specs));
}

function* splitScoresSteps(
  d: PreparedData,
  split: 'val' | 'test',
  modelOutput: ArrayLike<number>,
  specs: BaselineSpec[],
): Steps<SplitScores & { notes: string[] }> {
  const m = scoreForecast(d, split, modelOutput),
    base = yield* baselineScoresSteps(d, split, specs);
  const out: SplitScores & { notes: string[] } = {
    scaled: { model: m.scaled, ...base.scaled },
    original: { model: m.original, ...base.original },
    notes: base.notes,
  };
  if (m.by_target)
    out.by_target = Object.fromEntries(d.targets.map((t) => [t, { model: m.by_target![t]!, ...base.by_target?.[t] }]));
  return out;
}

const SPLIT_NAMES = { train: 'training', val: 'validation', test: 'test' } as const;

/**
 * Where a seasonal naive of `season` has no value to give, or null: of the validation and test windows, the one
 * nearest the data's start that has a target step no row a whole number of seasons back serves (seasonalIndex), and
 * the data's rows before its first target (`before`), the rows data.missing: drop removed counted, as seasons count
 * them. A season longer than `before` reaches before the data's first row; one within it lost every such row to
 * data.missing: drop. The note when scoring and the config error before training are both read from here: the
 * error counted the rows kept, so with rows dropped it refused seasons every window has a value for and passed ones
 * that were then left out after training.
 */
function seasonGap(d: PreparedData, season: number): { split: 'val' | 'test'; before: number } | null {
  let gap: { split: 'val' | 'test'; before: number } | null = null;
  for (const split of ['val', 'test'] as const) {
    const w = d.windows[split];
    const s = w.starts.find((s) => {
      for (let h = 0; h < w.horizon; h++) if (seasonalIndex(s, h, season, d.kept) < 0) return true;
      return false;
    });
    if (s === undefined) continue;
    const before = d.kept ? d.kept[s]! - d.kept[0]! : s;
    if (!gap || before < gap.before) gap = { split, before };
  }
  return gap;
}

/**
 * Why the seasonal naive baseline is left out (seasonGap), or null. Its scores were NaN (null in metrics.json), and
 * the table's verdict then named a baseline that was not the best. Decided on both splits, so that a run's splits
 * list the same ones.
 */
function seasonTooLong(d: PreparedData, season: number): string | null {
  const gap = seasonGap(d, season);
  if (!gap) return null;
  const window = `the ${SPLIT_NAMES[gap.split]} window`;
  if (season <= gap.before)
    return (
      `the seasonal_naive baseline is left out: data.missing: drop removed every row a whole number of its season ` +
      `of ${season} rows before a target of ${window} ${plural(gap.before, 'row')} into the data; give it another ` +
      'season'
    );
  return (
    `the seasonal_naive baseline is left out: its season of ${season} rows reaches before the data's first row ` +
    `from ${window} with ${plural(gap.before, 'row')} before it (after data.skip_rows); give it a shorter season, ` +
    'or a split with more rows before validation and test'
  );
}

/**
 * Where a linear baseline with a lookback of its own has no window to fit on or to choose its penalty on (no
 * training or validation window has that many rows before it), with the rows before that split's last window; or
 * null.
 */
function linearGap(d: PreparedData, lookback?: number): { split: 'train' | 'val'; last: number } | null {
  if (lookback === undefined) return null;
  const split = (['train', 'val'] as const).find((k) => !d.windows[k].starts.some((s) => s >= lookback));
  return split ? { split, last: d.windows[split].starts.at(-1) ?? 0 } : null;
}

/**
 * Why a linear baseline with a lookback of its own is left out (linearGap), or null: its fit failed, exit 1 as a
 * bug.
 */
function linearTooLong(d: PreparedData, lookback?: number): string | null {
  const gap = linearGap(d, lookback);
  if (!gap) return null;
  return (
    `the linear baseline with lookback ${lookback} is left out: no ${SPLIT_NAMES[gap.split]} window has ${lookback} ` +
    `rows before it to fit on (the last has ${gap.last}); give it a lookback of at most ${gap.last}`
  );
}

/** What evaluate.baselines[i].seasonal_naive.season was expected to be, where seasonGap found a gap. */
function seasonExpected(d: PreparedData, season: number, gap: { split: 'val' | 'test'; before: number }): string {
  const split = SPLIT_NAMES[gap.split];
  if (season <= gap.before)
    return (
      'expected a season with a row of the data a whole number of seasons before every validation and test ' +
      `target, received ${season}: data.missing: drop removed each one before a target of the ${split} window ` +
      `${plural(gap.before, 'row')} into the data`
    );
  const dropped = d.kept ? ' (rows data.missing: drop removed counted)' : '';
  return (
    `expected at most ${gap.before}, the rows before the first ${split} window's first target${dropped}, ` +
    `received ${season}`
  );
}

/**
 * Why a baseline of `specs` (evaluate.baselines, in its order) cannot be scored on prepared data, as
 * `evaluate.baselines[i]...: expected ..., received ...`, or undefined: what baselineScores would leave out with a
 * note (seasonGap, linearGap), said before training. A seasonal naive's scores were NaN ("the model does NOT beat
 * seasonal_naive (vs NaN)"); a linear model's fit threw after the model had trained (exit 1, "a bug in seqtune").
 */
export function baselineProblem(d: PreparedData, specs: readonly BaselineSpec[]): string | undefined {
  for (const [i, b] of specs.entries()) {
    if (typeof b !== 'object') continue;
    const at = `evaluate.baselines[${i}]`;
    if ('seasonal_naive' in b) {
      const gap = seasonGap(d, b.seasonal_naive.season);
      if (gap) return `${at}.seasonal_naive.season: ${seasonExpected(d, b.seasonal_naive.season, gap)}`;
      continue;
    }
    const gap = linearGap(d, b.linear.lookback);
    if (gap)
      return (
        `${at}.linear.lookback: expected at most ${gap.last}, the rows before the last ${SPLIT_NAMES[gap.split]} ` +
        `window's first target (its fit needs a window whose inputs all exist), received ${b.linear.lookback}`
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
): { scaled: Scores; original: Scores; by_target?: Record<string, Scores> } {
  const w = d.windows[split];
  const pred = forecastsOf(w, modelOutput);
  const orig = unscaleTargets(d, pred),
    truth = originalTargets(d, w);
  const observed = observedTargets(d, split);
  const each = targetScores(d.targets, orig, truth, observed);
  return {
    scaled: score(pred, w.truth(), observed),
    original: score(orig, truth, observed),
    ...(each && { by_target: each }),
  };
}

/** Maps scaled predictions (horizon-major, targets last) back to original units. */
export function unscaleTargets(d: PreparedData, pred: ArrayLike<number>): Float64Array {
  const scaler = new Scaler(d.scaler),
    nT = d.targets.length,
    idx = d.targets.map((t) => scaler.indexOf(t));
  // float64, as originalTargets: a scaled float32 forecast is exact to about 1e-7 of the scale, not of the level
  return Float64Array.from({ length: pred.length }, (_, i) => scaler.inverse(idx[i % nT]!, pred[i]!));
}

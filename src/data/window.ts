// Windows of (lookback inputs, horizon targets). A window whose first target step is s reads inputs
// [s - lookback, s) and targets [s, s + horizon). It belongs to the split whose row range holds all of
// its target steps; its inputs may reach back before that range (the ETT protocol of the Informer paper).
import { DataError } from './errors.js';

/** The scaled series windows are cut from: one column per feature and per target, full length. */
export interface WindowSeries {
  features: Float64Array[];
  targets: Float64Array[];
}

/**
 * Samples of a split read per batch, as the fit loop takes them (train's SampleSource, by shape): `gather`
 * writes samples idx[start, start + B) time-major, dst[(t * B + b) * F + f] = value t * F + f of the sample.
 */
export interface WindowSamples {
  readonly shape: readonly number[];
  gather(idx: ArrayLike<number>, start: number, B: number, steps: number, F: number, dst: Float32Array): void;
}

/** Every window copied out: what makeWindows returns, for small series and tests. */
export interface DenseWindows {
  starts: Int32Array;
  lookback: number;
  horizon: number;
  /** (N, lookback, features) scaled model inputs (relative to the last input step when `relative`). */
  x: Float32Array;
  /** (N, horizon * targets) what the model learns to output, horizon-major (relative when `relative`). */
  y: Float32Array;
  /** (N, horizon * targets) the scaled targets themselves, in float64 (y in float32 unless relative). */
  truth: Float64Array;
  /** (N, targets) value added back to the model's output (each target's last observed value), or null. */
  offset: Float32Array | null;
}

/**
 * The windows of a split as start indices into the series: nothing per window is stored but its start, and a
 * batch's inputs and targets are gathered when the model reads them. Values are those of a copy: inputs
 * f32(x - ref), targets f32(f32(y) - ref), with ref the last input step's value when `relative`, else 0.
 * Baselines and scores read `starts` and the series; the model reads `inputs()` and `targets()`; `copy()` gives
 * every window as arrays (for small series).
 * @example
 * import { dense, gru, sequential } from 'seqtune';
 * import { prepareData } from 'seqtune/data';
 * const d = await prepareData({ csv: 'data.csv', target: 'value', lookback: 24 }, 'data.csv');
 * const model = sequential([gru({ units: 16, inputShape: [24, d.features.length] }), dense({ units: 1 })]);
 * model.compile({ loss: 'mse' });
 * const w = d.windows.train;
 * await model.fit(w.inputs(), w.targets(), { epochs: 10, batchSize: 32 });
 */
export class Windows {
  constructor(
    /** First target row of each window. */
    readonly starts: Int32Array,
    readonly lookback: number,
    readonly horizon: number,
    readonly series: WindowSeries,
    /** Inputs and targets relative to the last input step (NLinear-style). */
    readonly relative = false,
  ) {}

  get count(): number {
    return this.starts.length;
  }

  /** (N, lookback, features) model inputs. */
  inputs(): WindowSamples {
    return { shape: [this.count, this.lookback, this.series.features.length], gather: this.gatherInputs.bind(this) };
  }

  /** (N, horizon * targets), or (N, horizon, targets) for a sequence output: what the model learns to output. */
  targets(sequence = false): WindowSamples {
    const H = this.horizon,
      nT = this.series.targets.length;
    return { shape: sequence ? [this.count, H, nT] : [this.count, H * nT], gather: this.gatherTargets.bind(this) };
  }

  /**
   * (N, horizon * targets) the scaled targets themselves, horizon-major, in float64 as the series: in float32 the
   * targets of a series near 1e7 with data.scale: none were whole numbers, and persistence's scaled MSE read 0.114
   * where its MSE in the data's units, the same values, was 0.0513.
   */
  truth(): Float64Array {
    const H = this.horizon,
      tg = this.series.targets,
      nT = tg.length;
    const out = new Float64Array(this.count * H * nT);
    for (let n = 0; n < this.count; n++) {
      const s = this.starts[n]!;
      for (let h = 0; h < H; h++) for (let k = 0; k < nT; k++) out[(n * H + h) * nT + k] = tg[k]![s + h]!;
    }
    return out;
  }

  /** Value added back to window n's output for target k: its last observed value when relative, else 0. */
  offset(n: number, k: number): number {
    return this.relative ? this.series.targets[k]![this.starts[n]! - 1]! : 0;
  }

  /** Every window copied out (N x lookback x features floats: for small series and tests only). */
  copy(): DenseWindows {
    const N = this.count,
      nT = this.series.targets.length,
      per = this.lookback * this.series.features.length,
      out = this.horizon * nT;
    const idx = Int32Array.from({ length: N }, (_, i) => i);
    const x = new Float32Array(N * per),
      y = new Float32Array(N * out);
    this.gatherInputs(idx, 0, N, 1, per, x);
    this.gatherTargets(idx, 0, N, 1, out, y);
    let offset: Float32Array | null = null;
    if (this.relative) {
      offset = new Float32Array(N * nT);
      for (let n = 0; n < N; n++) for (let k = 0; k < nT; k++) offset[n * nT + k] = this.offset(n, k);
    }
    return {
      starts: this.starts,
      lookback: this.lookback,
      horizon: this.horizon,
      x,
      y,
      truth: this.truth(),
      offset,
    };
  }

  private gatherInputs(idx: ArrayLike<number>, start: number, B: number, _steps: number, F: number, dst: Float32Array) {
    const L = this.lookback,
      cols = this.series.features,
      nF = cols.length;
    for (let b = 0; b < B; b++) {
      const s = this.starts[idx[start + b]!]!;
      for (let f = 0; f < nF; f++) {
        const col = cols[f]!,
          ref = this.relative ? col[s - 1]! : 0;
        if (F === nF) for (let t = 0; t < L; t++) dst[(t * B + b) * nF + f] = col[s - L + t]! - ref;
        else
          for (let t = 0; t < L; t++) {
            const v = t * nF + f;
            dst[(Math.floor(v / F) * B + b) * F + (v % F)] = col[s - L + t]! - ref;
          }
      }
    }
  }

  private gatherTargets(
    idx: ArrayLike<number>,
    start: number,
    B: number,
    _steps: number,
    F: number,
    dst: Float32Array,
  ) {
    const H = this.horizon,
      cols = this.series.targets,
      nT = cols.length;
    for (let b = 0; b < B; b++) {
      const s = this.starts[idx[start + b]!]!;
      for (let k = 0; k < nT; k++) {
        const col = cols[k]!,
          ref = this.relative ? col[s - 1]! : 0;
        for (let h = 0; h < H; h++) {
          const v = h * nT + k;
          dst[(Math.floor(v / F) * B + b) * F + (v % F)] = col[s + h]! - ref;
        }
      }
    }
  }
}

/**
 * The model's output (N, horizon * targets) as scaled forecasts: adds back the window offsets, if any, in float64 (a
 * float32 output plus a level near 1e7 with data.scale: none, stored in float32, lost everything below 1).
 */
export function forecastsOf(w: Windows, pred: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(pred);
  if (!w.relative) return out;
  // per window: horizon x targets, also for predict's input-only windows (horizon 0) of a model of that many outputs
  const nT = w.series.targets.length,
    per = w.count ? out.length / w.count : 0;
  for (let n = 0; n < w.count; n++) for (let i = 0; i < per; i++) out[n * per + i]! += w.offset(n, i % nT);
  return out;
}

/** forecastsOf in float32 (what a plot draws). */
export function absolute(w: Windows, pred: ArrayLike<number>): Float32Array {
  return Float32Array.from(forecastsOf(w, pred));
}

/**
 * The fewest test windows whose scores can tell a model from a baseline: a model better on all 4 of 4 windows would
 * be so by chance 1 time in 16 (a one-sided sign test, above 0.05); on 5 of 5, 1 in 32.
 */
export const FEW_TEST_WINDOWS = 5;

/**
 * What a split of `n` test windows (each `horizon` steps) is told when there are fewer than FEW_TEST_WINDOWS and at
 * least one, as train's warning and check's data.enough_windows say it; undefined otherwise. A test split of one
 * window trained and scored without a word: its MSE was one forecast's.
 */
export function fewTestWindows(n: number, horizon: number): string | undefined {
  if (n <= 0 || n >= FEW_TEST_WINDOWS) return undefined;
  const forecasts = n === 1 ? 'one forecast' : `${n} forecasts`;
  return (
    `only ${n} test window${n === 1 ? '' : 's'} (${n + horizon - 1} step${n + horizon === 2 ? '' : 's'} of the ` +
    `series): the test scores are of ${forecasts}, too few to tell the model from a baseline (fewer than ` +
    `${FEW_TEST_WINDOWS}); use a larger test split (data.split.test)`
  );
}

/** Target rows two splits' windows share (sharedTargets): how many, and the first and last (usable rows). */
export interface SharedTargets {
  splits: ['train', 'val'] | ['train', 'test'] | ['val', 'test'];
  rows: number;
  first: number;
  last: number;
}

/**
 * The target rows each pair of splits shares, as check's data.split_overlap counts them; only pairs that share one.
 * Explicit data.split ranges may overlap: a validation range reaching into the test rows let early stopping choose on
 * test rows, a training range into them fitted the model on the rows it was scored on.
 */
export function sharedTargets(windows: Record<'train' | 'val' | 'test', Windows>): SharedTargets[] {
  const rowsOf = (w: Windows) => {
    const marks = new Uint8Array((w.starts.at(-1) ?? 0) + w.horizon);
    for (const s of w.starts) marks.fill(1, s, s + w.horizon);
    return marks;
  };
  const pairs = [
    ['train', 'val'],
    ['train', 'test'],
    ['val', 'test'],
  ] as const;
  const out: SharedTargets[] = [];
  for (const [a, b] of pairs) {
    const x = rowsOf(windows[a]),
      y = rowsOf(windows[b]);
    let rows = 0,
      first = -1,
      last = -1;
    for (let i = 0; i < Math.min(x.length, y.length); i++)
      if (x[i]! & y[i]!) {
        rows++;
        if (first < 0) first = i;
        last = i;
      }
    if (rows) out.push({ splits: [a, b] as SharedTargets['splits'], rows, first, last });
  }
  return out;
}

/** First target rows of the windows in range, every `stride` rows. */
export function windowStarts(
  range: [number, number],
  lookback: number,
  horizon: number,
  stride: number,
  kept?: Int32Array | null,
): Int32Array {
  const first = Math.max(range[0], lookback),
    n = first + horizon <= range[1] ? Math.floor((range[1] - horizon - first) / stride) + 1 : 0;
  const all = Int32Array.from({ length: n }, (_, i) => first + i * stride);
  // rows [s - lookback, s + horizon) must follow each other in the file: as many file rows apart as usable rows
  const span = lookback + horizon - 1;
  return kept ? all.filter((s) => kept[s + horizon - 1]! - kept[s - lookback]! === span) : all;
}

/** The file's data row (1-based, data.skip_rows counted) of usable row `i`, rows that data.missing: drop left out
 *  counted too. */
export function fileRow(d: { kept?: Int32Array | null }, i: number, skipRows = 0): number {
  return (d.kept ? d.kept[i]! : i) + 1 + skipRows;
}

/**
 * Cuts windows and copies every one out. With `relative`, every feature is taken relative to its value at the
 * last input step and every target relative to its last observed value (NLinear-style): the model then learns
 * the change from "tomorrow = today", and a model that outputs zeros is exactly persistence. prepare keeps the
 * windows as a `Windows` (start indices, gathered per batch) instead.
 */
export function makeWindows(
  starts: ArrayLike<number>,
  lookback: number,
  horizon: number,
  features: Float64Array[],
  targets: Float64Array[],
  relative = false,
): DenseWindows {
  return new Windows(Int32Array.from(starts), lookback, horizon, { features, targets }, relative).copy();
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
      throw new DataError(
        `data.split: fractions must add up to 1, received ${f.join(' + ')} = ${Number(sum.toPrecision(12))}`,
      );
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

// Sanity checks before tuning ("once the data and the network are known to be correct..."): each
// check says pass / warn / fail, shows its evidence and says what to do.

import { performance } from 'node:perf_hooks';
import {
  builtModel,
  callbacksOf,
  checkBaselines,
  compileOptions,
  dataSpec,
  fitThreads,
  type LoadedConfig,
  type RawConfig,
  resolveConfig,
  TRAIN_DEFAULTS,
  threadsOfFit,
} from '../config/index.js';
import {
  baselineScoresAsync,
  coarseColumns,
  coarseText,
  fewTestWindows,
  fileRow,
  gapsAdvice,
  linearFitNotices,
  linearFits,
  MissingValuesError,
  type PreparedData,
  prepareData,
  Scaler,
  sharedTargets,
  timeGaps,
} from '../data/index.js';
import { MEMORY_LIMIT_BYTES } from '../engine/index.js';
import { MemoryLimitError } from '../errors.js';
import { LinearSkip, type Tensor } from '../nn/index.js';
import { adam } from '../optim/index.js';
import { checkOutputWidth, splitTensors, WEIGHTS_PER_TARGET } from '../run/index.js';
import { type Callback, denseRows, gatherSamples, type Model, type Samples, spreadRows } from '../train/index.js';

export type CheckStatus = 'pass' | 'warn' | 'fail';
export interface CheckResult {
  id: string;
  status: CheckStatus;
  evidence: Record<string, unknown>;
  advice: string;
}
const r = (id: string, status: CheckStatus, evidence: Record<string, unknown>, advice: string): CheckResult => ({
  id,
  status,
  evidence,
  advice,
});
const round = (v: number, d = 4) => Number(v.toPrecision(d));

/**
 * `v` to 4 significant digits of `spread` (a range's width, a scaler's scale), and to at least 4 of its own: at 4 of
 * its own, a target near 1e7 that spans 2.5 read train_range [10000000, 10000000] and center [10000000].
 */
function roundAgainst(v: number, spread: number): number {
  if (!(spread > 0) || !Number.isFinite(spread) || !Number.isFinite(v) || v === 0) return round(v);
  const extra = Math.ceil(Math.log10(Math.abs(v) / spread));
  return round(v, Math.min(17, 4 + Math.max(0, extra)));
}

function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0,
    mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0,
    saa = 0,
    sbb = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i]! - ma,
      y = b[i]! - mb;
    sab += x * y;
    saa += x * x;
    sbb += y * y;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
}

/**
 * What the checks say as they go, for a caller that shows it (seqtune check printed nothing for minutes on a million
 * rows, then every result at once): a step begins (reading the data, a check by its id), a long one moves on (the
 * overfit probe's steps), a check's result is known, in the order of the report.
 */
export interface CheckProgress {
  begin(step: string): void;
  tick?(step: string, detail: string): void;
  done(c: CheckResult): void;
}

/** One check, its beginning and its result told to `p`. */
function one(p: CheckProgress | undefined, id: string, run: () => CheckResult): CheckResult {
  p?.begin(id);
  const c = run();
  p?.done(c);
  return c;
}

/** Checks on prepared data (no model needed). */
export function dataChecks(d: PreparedData, cfg: RawConfig, weights?: number, p?: CheckProgress): CheckResult[] {
  const H = cfg.data.horizon ?? 1;
  return [
    one(p, 'data.nan_inf', () => nanInfCheck(d)),
    one(p, 'data.constant_columns', () => constantColumnsCheck(d)),
    one(p, 'data.leakage', () => leakageCheck(d, H)),
    one(p, 'data.scaler_train_only', () => scalerTrainOnlyCheck(d)),
    one(p, 'data.split_overlap', () => splitOverlapCheck(d, cfg.data.skip_rows)),
    one(p, 'data.distribution_shift', () => distributionShiftCheck(d, cfg.data.relative === true)),
    one(p, 'data.enough_windows', () => enoughWindowsCheck(d, H, weights)),
    one(p, 'data.time_gaps', () => timeGapsCheck(d, cfg)),
    one(p, 'data.float32_precision', () => float32Check(d, cfg.data.relative === true)),
  ];
}

/**
 * Columns the model reads in float32 too coarsely for their variation (coarseColumns): a level near 1e7 with
 * data.scale: none passed every check, and the model trained on whole numbers of a series that moved by 1.
 */
function float32Check(d: PreparedData, relative: boolean): CheckResult {
  const coarse = coarseColumns(d, relative);
  return r(
    'data.float32_precision',
    coarse.length ? 'warn' : 'pass',
    {
      coarse: coarse.map((c) => ({
        column: c.column,
        largest: round(c.largest),
        step: round(c.step),
        sd: round(c.sd),
      })),
    },
    coarse.length
      ? coarse.map((c) => coarseText(c, d.scaler.kind)).join('; ')
      : 'float32 holds every column the model reads to at least 3 digits of its variation',
  );
}

/** Gaps in the time column (timeGaps): steps a window spans as if they were one. */
function timeGapsCheck(d: PreparedData, cfg: RawConfig): CheckResult {
  const g = cfg.data.time ? timeGaps(d.time, d.kept) : null;
  if (!g) return r('data.time_gaps', 'pass', {}, 'no time column: rows are taken as steps');
  const row = (i: number) => fileRow(d, i, cfg.data.skip_rows);
  const gaps = g.before.length;
  return r(
    'data.time_gaps',
    gaps ? 'warn' : 'pass',
    gaps
      ? { usual_step: g.usual, gaps, missing_steps: g.missing, longest: g.longest, first_at_row: row(g.before[0]!) }
      : { usual_step: g.usual },
    gaps
      ? gapsAdvice(g, row) // train says the same line
      : `the time column moves by its usual step (${g.usual}) throughout`,
  );
}

/** NaN / Inf after cleaning, anywhere in the model's inputs and targets (as float32, window by window). */
function nanInfCheck(d: PreparedData): CheckResult {
  let bad = 0;
  if (!seriesFitsFloat32(d))
    for (const k of ['train', 'val', 'test'] as const)
      bad += nonFinite(d.windows[k].inputs()) + nonFinite(d.windows[k].targets());
  return r(
    'data.nan_inf',
    bad ? 'fail' : 'pass',
    { non_finite_values: bad },
    bad
      ? 'non-finite values reach the model: fix the CSV or choose a data.missing policy'
      : 'no NaN or Inf after cleaning',
  );
}

/**
 * Every scaled value finite and below 1e38 in magnitude: then no window value (a value, or the difference of two
 * with relative windows) can be NaN or overflow float32, and the windows need not be read one by one.
 */
function seriesFitsFloat32(d: PreparedData): boolean {
  for (const col of [...d.scaledFeatures, ...d.targetSeries.scaled])
    for (let i = 0; i < col.length; i++) if (!(Math.abs(col[i]!) < 1e38)) return false;
  return true;
}

/** Non-finite values over every sample, gathered a chunk at a time (sample-major). */
function nonFinite(s: Samples): number {
  const n = s.shape[0]!,
    per = s.shape.slice(1).reduce((p, v) => p * v, 1),
    chunk = Math.max(1, Math.min(n, 1024));
  const buf = new Float32Array(chunk * per),
    idx = Int32Array.from({ length: n }, (_, i) => i);
  let bad = 0;
  for (let a = 0; a < n; a += chunk) {
    const B = Math.min(chunk, n - a);
    gatherSamples(s, idx, a, B, 1, per, buf);
    for (let i = 0; i < B * per; i++) if (!Number.isFinite(buf[i]!)) bad++;
  }
  return bad;
}

/** Constant columns over the training rows; a constant target fails (nothing to forecast), and is not to be dropped. */
function constantColumnsCheck(d: PreparedData): CheckResult {
  const [a, b] = d.ranges.train;
  const flat = (v: ArrayLike<number>) => {
    let lo = Infinity,
      hi = -Infinity;
    for (let i = a; i < b; i++) {
      lo = Math.min(lo, v[i]!);
      hi = Math.max(hi, v[i]!);
    }
    return hi - lo === 0;
  };
  const constant = d.features.filter((_, f) => flat(d.scaledFeatures[f]!));
  const targets = d.targets.filter((_, k) => flat(d.targetSeries.scaled[k]!));
  // the advice once read 'drop y (data.drop)' for a constant target y, which leaves y the target and fixes nothing
  // a target that varies after the training rows: its baselines do not score 0 there, but the model learns nothing
  const later = targets.filter((t) => !flatAfter(d.targetSeries.original[d.targets.indexOf(t)]!, b));
  if (targets.length)
    return r(
      'data.constant_columns',
      'fail',
      { constant, constant_targets: targets },
      `data.target ${targets.join(', ')} has one value in every training row: ` +
        (later.length
          ? `${later.join(', ')} varies after them, which the model cannot learn from the training rows; move ` +
            'data.split so that the training rows hold its changes, or choose another target'
          : 'there is nothing to forecast (every baseline scores 0); choose another target'),
    );
  return r(
    'data.constant_columns',
    constant.length ? 'warn' : 'pass',
    { constant },
    constant.length
      ? `drop ${dropNames(constant, d.encodings, d.features).join(', ')} (data.drop): ` +
          'a constant column carries no information and breaks scaling'
      : 'every feature varies over the training rows',
  );
}

/** Whether v holds its value at row b - 1 in every later row. */
function flatAfter(v: Float64Array, b: number): boolean {
  for (let i = b; i < v.length; i++) if (v[i] !== v[b - 1]) return false;
  return true;
}

/**
 * The names data.drop takes for constant features: a one-hot column whose every indicator is constant by its column's
 * name (the advice once read 'drop site=Berlin', which data.drop refuses as no column of the CSV). Its indicators are
 * those among the features: a category no training row holds has none (prepare's untrainedColumns).
 */
function dropNames(constant: string[], encodings: Record<string, string[]>, features: string[]): string[] {
  const whole = (c: string) =>
    encodings[c]!.every((lv) => !features.includes(`${c}=${lv}`) || constant.includes(`${c}=${lv}`));
  const column = (f: string) => Object.keys(encodings).find((c) => f.startsWith(`${c}=`) && whole(c)) ?? f;
  return [...new Set(constant.map(column))];
}

/** Leakage: a feature that equals the target shifted by the forecast lead (1..H). */
function leakageCheck(d: PreparedData, H: number): CheckResult {
  const [a, b] = d.ranges.train;
  const leaks: { feature: string; lead: number; correlation: number }[] = [];
  d.targets.forEach((t, k) => {
    const y = d.targetSeries.original[k]!;
    d.features.forEach((f, fi) => {
      if (f === t) return;
      const x = d.scaledFeatures[fi]!;
      for (let lead = 1; lead <= H; lead++) {
        const n = b - a - lead;
        if (n < 10) continue;
        const c = pearson(x.subarray(a, a + n), y.subarray(a + lead, a + lead + n));
        if (Math.abs(c) > 0.999) {
          leaks.push({ feature: f, lead, correlation: round(c, 6) });
          break;
        }
      }
    });
  });
  return r(
    'data.leakage',
    leaks.length ? 'fail' : 'pass',
    { leaks },
    leaks.length
      ? `feature ${leaks.map((l) => `"${l.feature}"`).join(', ')} is the target ${leaks[0]!.lead} step(s) ahead: ` +
          'the model would read the answer. Drop it.'
      : 'no feature is a copy of the target at the forecast lead',
  );
}

/** Scaler statistics from the training rows only. */
function scalerTrainOnlyCheck(d: PreparedData): CheckResult {
  const [a, b] = d.ranges.train;
  // Refitted one column at a time from the unscaled values of its training rows (a copy of every column at once would
  // double the data), in a loop: Float64Array.from(column, fn) calls fn through the iterator, 0.4 s a column of 10^6
  // rows where this loop takes 5 ms (this check took 25 s at 1,000,000 rows x 20 under load, all the others 4 s).
  const same = d.features.every((_, f) => {
    const col = d.scaledFeatures[f]!,
      [scale, shift] = [d.scaler.scale[f]!, d.scaler.center[f]!],
      raw = new Float64Array(b - a);
    for (let i = a; i < b; i++) raw[i - a] = col[i]! * scale + shift;
    const center = Scaler.fit(d.scaler.kind, [d.scaler.columns[f]!], [raw], 0, b - a).state.center[0]!;
    return Math.abs(center - d.scaler.center[f]!) <= 1e-6 * Math.max(1, Math.abs(d.scaler.center[f]!));
  });
  return r(
    'data.scaler_train_only',
    same ? 'pass' : 'fail',
    {
      scale: d.scaler.kind,
      fitted_on_rows: [a, b],
      center: d.scaler.center.map((v, i) => roundAgainst(v, d.scaler.scale[i]!)),
      scale_values: d.scaler.scale.map((v) => round(v)),
    },
    same
      ? 'scaler statistics come from the training rows only (no leakage from validation or test)'
      : 'the scaler does not match the training rows',
  );
}

/**
 * Split overlap: target rows shared between splits, counted by sharedTargets as train counts them for its warning
 * (check kept a copy of its own), with the file rows each pair shares.
 */
function splitOverlapCheck(d: PreparedData, skipRows = 0): CheckResult {
  const ov = { train_val: 0, train_test: 0, val_test: 0 },
    where: string[] = [];
  for (const o of sharedTargets(d.windows)) {
    ov[o.splits.join('_') as keyof typeof ov] = o.rows;
    where.push(`${o.splits.join(' and ')}: data rows ${fileRow(d, o.first, skipRows)}-${fileRow(d, o.last, skipRows)}`);
  }
  const rows = where.length ? ` (${where.join('; ')})` : '';
  return r(
    'data.split_overlap',
    ov.train_val || ov.train_test ? 'fail' : ov.val_test ? 'warn' : 'pass',
    ov,
    ov.train_val || ov.train_test
      ? `training targets also appear in validation/test${rows}: split chronologically without overlap`
      : ov.val_test
        ? `validation and test share target rows${rows}: the test score is not independent of model selection`
        : 'train, validation and test targets are disjoint',
  );
}

/** How a split's targets lie against the training rows': the share outside their range, their mean's shift in sd. */
interface Shift {
  outside_train_range: number;
  mean_shift_in_train_sd: number;
  train_range: [number, number];
}

/** The shift of rows [c, e) of `y` from the training rows [a, b) (loops: the train split may have 10^6 rows). */
function shiftOf(y: Float64Array, [a, b]: [number, number], [c, e]: [number, number]): Shift {
  let lo = Infinity,
    hi = -Infinity,
    sum = 0,
    sq = 0;
  for (let i = a; i < b; i++) {
    lo = Math.min(lo, y[i]!);
    hi = Math.max(hi, y[i]!);
    sum += y[i]!;
  }
  const mean = sum / Math.max(b - a, 1);
  for (let i = a; i < b; i++) sq += (y[i]! - mean) ** 2;
  const sd = Math.sqrt(sq / Math.max(b - a, 1)) || 1;
  let outside = 0,
    m = 0;
  for (let i = c; i < e; i++) {
    if (y[i]! < lo || y[i]! > hi) outside++;
    m += y[i]!;
  }
  return {
    outside_train_range: round(outside / Math.max(e - c, 1), 3),
    mean_shift_in_train_sd: round((m / Math.max(e - c, 1) - mean) / sd, 3),
    train_range: [roundAgainst(lo, hi - lo), roundAgainst(hi, hi - lo)],
  };
}

const shifted = (s: Shift) => s.outside_train_range > 0.1 || Math.abs(s.mean_shift_in_train_sd) > 2;

/**
 * Distribution shift of the target (original units), validation against training: what it advises (a longer training
 * period, relative windows where they are off) is a choice of the config, made on the rows before the test split. The
 * test rows' shift was once judged alike, so a CSV whose test rows alone moved read WARN and advised data.relative,
 * a choice made on the test rows; it is now said as what the test scores will measure, and changes no status.
 */
function distributionShiftCheck(d: PreparedData, relative: boolean): CheckResult {
  const evidence: Record<string, Shift> = {},
    val: string[] = [],
    test: string[] = [];
  d.targets.forEach((t, k) => {
    const y = d.targetSeries.original[k]!;
    for (const split of ['val', 'test'] as const) {
      const s = shiftOf(y, d.ranges.train, d.ranges[split]);
      evidence[`${t}.${split}`] = s;
      if (shifted(s)) (split === 'val' ? val : test).push(t);
    }
  });
  const advice = val.length
    ? `the validation values of ${val.join(', ')} lie well outside the training range: expect extrapolation errors; ` +
      `consider a longer training period${relative ? '' : ' or relative windows (data.relative)'}`
    : 'the validation targets lie within the training range';
  const info = test.length
    ? `; for information, not a choice: the test values of ${test.join(', ')} lie well outside the training range, ` +
      'so the test scores will measure extrapolation (a config changed for it would be chosen on the test rows)'
    : '';
  return r('data.distribution_shift', val.length ? 'warn' : 'pass', evidence, advice + info);
}

/**
 * The fewest validation windows whose mean score tells trials apart: below it a study that chooses among many trials
 * by validation fits the short stretch of the series they cover (airline passengers, 12 months ahead: 10 validation
 * windows over 21 months; auto's 484 trials took the validation MSE from the linear path's 0.069 to 0.046 while test
 * went from 0.073 to 0.117). Not noise between the windows: the learning rate that made most of that gain (0.0684 ->
 * 0.0493) was better on 9 of the 10 validation windows (paired t -5.5) and worse on all 11 test windows (t +6.0).
 */
const FEW_VAL_WINDOWS = 30;

/** Enough windows for the model, and for validation scores to choose between models. */
function enoughWindowsCheck(d: PreparedData, H: number, weights?: number): CheckResult {
  const nTrain = d.windows.train.starts.length,
    nVal = d.windows.val.starts.length,
    targets = nTrain * d.targets.length * H;
  const heavy = weights !== undefined && weights > WEIGHTS_PER_TARGET * targets;
  const fewVal = nVal > 0 && nVal < FEW_VAL_WINDOWS;
  const nTest = d.windows.test.starts.length;
  const advice = [
    // a model init sized to the windows (at most WEIGHTS_PER_TARGET weights each) was told to use fewer units
    heavy
      ? 'few training windows for this model: use fewer units, regularization, or more data'
      : nTrain < 100
        ? `only ${nTrain} training windows: few to learn from, whatever the model (more rows, or a shorter lookback)`
        : '',
    fewVal
      ? `only ${nVal} validation windows (${nVal + H - 1} steps of the series): a study that chooses among many ` +
        'trials by their scores fits that stretch, which the test period need not resemble (use a larger validation ' +
        'split, or few trials)'
      : '',
    fewTestWindows(nTest, H) ?? '',
  ].filter(Boolean);
  return r(
    'data.enough_windows',
    advice.length ? 'warn' : 'pass',
    {
      train_windows: nTrain,
      val_windows: nVal,
      test_windows: nTest,
      training_targets: targets,
      weights: weights ?? null,
    },
    advice.join('; ') || 'enough training windows for the model size, and validation windows to compare models',
  );
}

/**
 * The overfit probe's verdicts, of the lowest loss its steps reach: near zero (pass) is a loss under NEAR_ZERO of its
 * start (or 1e-3); a model that cannot halve it (fail: tune refuses such a config) is not learning its batch at all.
 * Between, it learns but does not memorise the batch (warn): relative windows of a series whose changes start small
 * (0.0326 -> 0.0025, 7.8%), an encoder-decoder, GRU(8) at lookback 192 failed, and auto refused to tune healthy
 * models.
 */
const NEAR_ZERO = 0.05,
  HALF = 0.5;

/** The overfit probe: the windows of its one batch, and its steps unless told. */
const OVERFIT_BATCH = 16,
  OVERFIT_STEPS = 300;

/** Network checks on a model built from the config (never the caller's own model state). */
export async function networkChecks(
  makeModel: () => Model,
  x: Samples,
  y: Samples,
  o: { steps?: number; threads?: number; relative?: boolean; progress?: CheckProgress } = {},
): Promise<CheckResult[]> {
  const p = o.progress;
  const m = makeModel();
  m.compile({ optimizer: adam({ learningRate: 1e-3 }), loss: 'mse' });
  const n = probeWindows(m, x.shape[0]!);
  // windows from all over the training set: the first ones of a series flat before it starts moving (sales before a
  // launch) are targets of one value, a band of no width around zero, and a sound GRU failed at ratio 1.6e8
  const xb = spreadRows(x, n),
    yb = spreadRows(y, n);
  const init = one(p, 'network.init_loss', () => initLossCheck(m, xb, yb, o.relative ?? false));
  const gradients = one(p, 'network.gradients', () => gradientsCheck(m));
  const m2 = makeModel();
  p?.begin(OVERFIT_ID);
  const tick = p?.tick && ((s: number, of: number) => p.tick?.(OVERFIT_ID, `step ${s}/${of}`));
  const overfit = await overfitOneBatchCheck(m2, x, y, o.steps ?? OVERFIT_STEPS, o.threads ?? 1, tick);
  p?.done(overfit);
  m.dispose();
  m2.dispose();
  return [init, gradients, overfit];
}

/**
 * The windows of the init-loss and gradient checks' one batch: up to PROBE_WINDOWS, halved while a training step on
 * them does not fit in the engine memory left. 256 whatever was left: a GRU(64) at lookback 6000 that trains in
 * batches of 32 (841 MiB for its steps) made `seqtune check` exit 2, out of memory (4131 MiB).
 */
function probeWindows(m: Model, N: number): number {
  return m.engine.largestThatFits(Math.min(PROBE_WINDOWS, N), (n) => m.stepBlocksByThread(n, n, 1).flat());
}
const PROBE_WINDOWS = 256;

/** The loss at initialisation next to a zero and a mean prediction's (leaves the batch's gradients in m). */
function initLossCheck(m: Model, xb: Samples, yb: Tensor, relative: boolean): CheckResult {
  const init = m.lossAndGrads(xb, yb).loss;
  let zero = 0,
    mean = 0,
    mu = 0;
  for (let i = 0; i < yb.data.length; i++) mu += yb.data[i]! / yb.data.length;
  for (let i = 0; i < yb.data.length; i++) {
    zero += yb.data[i]! ** 2;
    mean += (yb.data[i]! - mu) ** 2;
  }
  zero /= yb.data.length;
  mean /= yb.data.length;
  // An untrained network with a linear head outputs a near-constant c close to 0, and a constant c
  // between 0 and the batch mean scores between the mean's and the zero's loss: that band is what a
  // sound initialisation gives, however far apart its two ends are (a trend puts the batch mean far
  // from 0). ratio is the factor by which init_loss lies outside the band (1 inside it). Above 2x the
  // band the initial outputs vary more than the targets do (a scale or head problem); below half of it
  // an untrained model beats every constant, which it cannot do honestly. With relative windows the targets are
  // changes, often a small fraction of the scaled unit (a random walk's step), while the inputs are differences on
  // that unit: a sound head's outputs vary on it, so the band reaches up by a unit-variance output's loss (1).
  const lo = Math.max(Math.min(zero, mean), 1e-12),
    hi = Math.max(zero, mean, 1e-12) + (relative ? 1 : 0),
    ratio = init > hi ? init / hi : init < lo ? init / lo : 1;
  const far = ratio > 2 || ratio < 0.5;
  return r(
    'network.init_loss',
    !Number.isFinite(init) || ratio > 20 ? 'fail' : far ? 'warn' : 'pass',
    {
      windows: yb.shape[0]!,
      init_loss: round(init),
      zero_prediction_loss: round(zero),
      mean_prediction_loss: round(mean),
      ratio: round(ratio, 3),
    },
    !Number.isFinite(init) || ratio > 2
      ? 'the loss at initialisation is far above what a zero or mean prediction gives: ' +
          'check the data scaling and the output layer (linear, right width, sensible initializer)'
      : ratio < 0.5
        ? 'the loss at initialisation is far below what a zero or mean prediction gives: ' +
          'an untrained model should not beat a constant; check the targets for leakage into the inputs'
        : 'the loss at initialisation is close to a zero/mean prediction, as it should be',
  );
}

/**
 * The layer a weight's gradient is reported under: its own, or for a weight of a linear skip the wrapped layer it
 * belongs to (`0/kernel` of the first, `linear/kernel` of the linear path), so that a dead layer inside the skip is
 * named rather than hidden in the sum with the linear path's gradient.
 */
function gradientLayer(m: Model, w: { layer: string; name: string }): string {
  const skip = m.layers.find((l) => l.name === w.layer);
  if (!(skip instanceof LinearSkip)) return w.layer;
  const part = w.name.slice(0, w.name.indexOf('/'));
  return skip.layers[Number(part)]?.name ?? `${skip.name}_${part}`;
}

/** Gradients of every layer (as m holds them; the layers a linear skip wraps each on its own): finite and non-zero. */
function gradientsCheck(m: Model): CheckResult {
  const byLayer = new Map<string, number>();
  let nonFinite = false;
  for (const w of m.weights.filter((v) => v.trainable)) {
    const g = m.getGradient(`${w.layer}/${w.name}`);
    let s = 0;
    for (const v of g) {
      if (!Number.isFinite(v)) nonFinite = true;
      s += v * v;
    }
    const layer = gradientLayer(m, w);
    byLayer.set(layer, (byLayer.get(layer) ?? 0) + s);
  }
  const norms = Object.fromEntries([...byLayer].map(([k, v]) => [k, round(Math.sqrt(v), 3)]));
  const dead = [...byLayer].filter(([, v]) => v === 0).map(([k]) => k);
  return r(
    'network.gradients',
    nonFinite || dead.length ? 'fail' : 'pass',
    { gradient_norm_by_layer: norms, dead_layers: dead, non_finite: nonFinite },
    dead.length
      ? `no gradient reaches ${dead.join(', ')}: ` +
          'a saturated or dead activation (e.g. relu with a large negative bias) cuts the path; ' +
          'change the activation or initializer'
      : nonFinite
        ? 'non-finite gradients: check inputs and the loss'
        : 'every layer gets a finite, non-zero gradient',
  );
}

const OVERFIT_ID = 'network.overfit_one_batch';

/** Overfit one small batch: a fresh model m2 should drive the loss on OVERFIT_BATCH windows near zero. */
async function overfitOneBatchCheck(
  m2: Model,
  x: Samples,
  y: Samples,
  steps: number,
  threads: number,
  tick?: (step: number, steps: number) => void,
): Promise<CheckResult> {
  const k = Math.min(OVERFIT_BATCH, x.shape[0]!);
  const xs = denseRows(x, 0, k),
    ys = denseRows(y, 0, k);
  m2.compile({ optimizer: adam({ learningRate: 1e-2 }), loss: 'mse' });
  const idx = Int32Array.from({ length: k }, (_, i) => i);
  const first = m2.lossAndGrads(xs, ys).loss;
  // the lowest loss the steps reach on the batch, not the last step's: at the probe's learning rate a model near the
  // bottom hops around it, and airline passengers' GRU(8) (init's config, seed 42) went 0.0386 -> 0.0066 and back to
  // 0.0357 at the 300th step, which read as "cannot fit" and tune refused the config
  let lowest = first;
  // the probe's 16 windows are its own batch, not the user's: where that batch is too small for the threads, it trains
  // on fewer without a word (a tune printed "threads: 2 asked, training on 1" at its start for GRU(1000))
  await m2.openThreads(threads, k, () => {});
  try {
    for (let s = 0; s < steps; s++) {
      const loss = await m2.trainStepAsync(xs, ys, idx, 0, k); // on all k windows, before this step's update
      if (loss < lowest) lowest = loss;
      tick?.(s + 1, steps);
      await new Promise<void>((r) => setImmediate(r)); // Ctrl-C's handler runs between steps (see lrFind's sweep)
    }
  } finally {
    await m2.closeThreads();
  }
  const last = m2.evaluate(xs, ys).loss;
  if (last < lowest) lowest = last;
  const ok = lowest < NEAR_ZERO * first || lowest < 1e-3,
    learns = lowest < HALF * first;
  const pct = `${round((100 * lowest) / first, 1)}%`;
  return r(
    OVERFIT_ID,
    ok ? 'pass' : learns ? 'warn' : 'fail',
    { batch: k, steps, loss_before: round(first), loss_lowest: round(lowest), loss_after: round(last) },
    ok
      ? `the model fits ${k} windows to near-zero loss: model, loss and optimizer are wired right`
      : learns
        ? `the model lowers the loss on ${k} windows to ${pct} of its start in ${steps} steps, not near zero: ` +
          'it learns, but may be small for the data (more units) or slow to fit'
        : `the model cannot fit ${k} windows in ${steps} steps (its lowest loss ${pct} of its start): ` +
          'check the model (too small? dead layer?), the loss and the data pipeline',
  );
}

/**
 * Whether training's steps fit in engine memory, judged as fit judges it before its first step (model.stepBytes):
 * a config that fails here fails there, at once, with the same message.
 */
function memoryCheck(
  m: Model,
  batchSize: number | undefined,
  samples: number,
  threads: number,
  validation: number,
  callbacks: readonly Callback[],
): CheckResult {
  const bs = Math.min(batchSize ?? 32, samples),
    on = m.threadsFor(threads, bs, samples),
    blocks = m.stepBlocksByThread(bs, samples, on, validation, callbacks),
    mib = Math.round(blocks.flat().reduce((s, b) => s + b, 0) / 2 ** 20),
    limit = MEMORY_LIMIT_BYTES / 2 ** 20,
    evidence = { batch_size: bs, threads: on, step_mib: mib, limit_mib: limit };
  try {
    m.assertStepFits(bs, samples, on, blocks);
  } catch (e) {
    if (!(e instanceof MemoryLimitError)) throw e;
    return r('network.memory', 'fail', evidence, e.message);
  }
  return r(
    'network.memory',
    'pass',
    evidence,
    `a training step's buffers (${mib} MiB: workspaces, batches, optimizer state, threads' gradients, callbacks' ` +
      `copies of the weights) fit in the ${limit} MiB of engine memory`,
  );
}

/**
 * The baselines' scores on validation, for later scores to beat (the linear fit's notices, if slow, to `log`), with
 * turns of the event loop during the linear baseline's fit (baselineScoresAsync), at which `p` hears how long it has
 * run of the seconds expected: the fit held the progress line, and Ctrl-C, for half a minute on ETTh1 (7 features
 * over a lookback of 336), minutes at 10^6 rows.
 */
async function baselinesCheck(
  d: PreparedData,
  cfg: RawConfig,
  log?: (line: string) => void,
  p?: CheckProgress,
): Promise<CheckResult> {
  const specs = [...(cfg.evaluate?.baselines ?? ['persistence', 'mean'])] as never;
  for (const n of linearFitNotices(d, specs, ['val'])) log?.(n);
  const expected = linearFits(d, specs, ['val']).reduce((s, f) => s + f.seconds, 0),
    start = performance.now();
  const tick = () => {
    const s = Math.round((performance.now() - start) / 1000);
    p?.tick?.('baseline.scores', `linear baseline: ${s} s of about ${Math.max(s, Math.round(expected))} s`);
  };
  const base = await baselineScoresAsync(d, 'val', specs, tick);
  return r(
    'baseline.scores',
    'pass',
    {
      split: 'val',
      scaled: base.scaled,
      original: base.original,
      ...(base.by_target ? { by_target: base.by_target } : {}),
      ...(base.notes.length ? { notes: base.notes } : {}),
    },
    `every later score should beat these naive forecasts${base.notes.map((n) => `; ${n}`).join('')}`,
  );
}

/** checkRun's first step, before any check: reading the CSV and making the windows (tens of seconds at 10^6 rows). */
export const READING = 'reading the data';

export interface CheckReport {
  checks: CheckResult[];
}

/**
 * All checks of a config. Bad input (a missing file, a bad config) throws; a NaN cell is a failed check. `baselines`
 * false leaves out baseline.scores, which only passes and whose ridge fit of the linear baseline is the checks'
 * longest step (tune's checks, which keep each check's status alone, fitted it for nothing: 6.5 min at 10^6 rows x 20,
 * lookback 96).
 */
export async function checkRun(
  loaded: LoadedConfig,
  o: { steps?: number; log?: (line: string) => void; progress?: CheckProgress; baselines?: boolean } = {},
): Promise<CheckReport> {
  const p = o.progress;
  const cfg = resolveConfig(loaded.raw, loaded.name);
  const { spec, csvPath } = dataSpec(cfg, loaded.dir);
  let d: PreparedData;
  p?.begin(READING);
  try {
    d = await prepareData(spec, csvPath);
  } catch (e) {
    if (!(e instanceof MissingValuesError)) throw e;
    const c = r('data.nan_inf', 'fail', { missing_values: e.count, first: e.cells }, `${e.message}`);
    p?.done(c);
    return { checks: [c] };
  }
  // built as training builds it: a model whose first layer takes no input shape (gaussian_noise, dropout) or is a
  // linear_skip around a bidirectional layer was left unbuilt, and checkOutputWidth read its missing output shape
  const make = () => builtModel(loaded.file, cfg, d.features.length, cfg.seed);
  const probe = make();
  checkOutputWidth(loaded.file, cfg, probe, d);
  checkBaselines(loaded.file, cfg, d);
  probe.compile(compileOptions(cfg));
  const checks = dataChecks(d, cfg, probe.countParams({ trainableOnly: true }), p);
  const [x, y] = splitTensors(d, 'train', probe);
  const validation = d.windows[cfg.train?.validation ?? 'val'].starts.length;
  const samples = x.shape[0]!,
    free = fitThreads(cfg),
    fit = { batchSize: cfg.train?.batch_size, samples, epochs: cfg.train?.epochs ?? TRAIN_DEFAULTS.epochs };
  const threads = threadsOfFit(cfg, free, probe, fit);
  const memory = one(p, 'network.memory', () =>
    memoryCheck(probe, cfg.train?.batch_size, samples, threads, validation, callbacksOf(cfg)),
  );
  checks.push(memory);
  // the network checks run a batch of up to 256 windows: where training's steps cannot fit, theirs may not either;
  // the overfit probe trains on the threads its own steps gain from
  const k = Math.min(OVERFIT_BATCH, samples),
    probeThreads = threadsOfFit(cfg, free, probe, { batchSize: k, samples: k, epochs: o.steps ?? OVERFIT_STEPS });
  if (memory.status !== 'fail')
    checks.push(
      ...(await networkChecks(make, x, y, {
        ...{ steps: o.steps, progress: p },
        ...{ threads: probeThreads, relative: cfg.data.relative === true },
      })),
    );
  probe.dispose();
  if (o.baselines !== false) {
    p?.begin('baseline.scores');
    const c = await baselinesCheck(d, cfg, o.log, p);
    p?.done(c);
    checks.push(c);
  }
  return { checks };
}

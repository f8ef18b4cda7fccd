// The `linear` baseline: ridge regression from a window's inputs (every feature over the lookback,
// relative to the last input step when data.relative is on, as NLinear) to every horizon step of every
// target at once, in closed form. With z = [x, 1] (an unpenalised intercept, by centring):
//   (Xc^T Xc + lambda I) W = Xc^T Yc    Xc, Yc centred on the training means; b = mean(y) - mean(x) W
// solved in Float64 for all outputs together (linear-path.ts). lambda = alpha * trace(Xc^T Xc) / p, alpha
// from a log grid (decades, then half-decades around the best), chosen by validation MSE computed from
// the validation split's Gram matrices or rows (no pass over its windows per lambda).
// The data reach this file through a Design: a function that fills window i's row, so it does not care
// how windows are stored.
import { cholesky, cholSolve, dot4x4 } from '../engine/float64.js';
import { type Grams, type Lagged, laggable, laggedGramsSteps } from './linear-lagged.js';
import { ridgePathSteps, type ValRows } from './linear-path.js';
import { runSteps, runStepsAsync, type Steps } from './steps.js';
import type { PreparedData } from './types.js';

/** Window rows of one split, as the ridge model reads them. */
export interface Design {
  readonly rows: number;
  /** p: inputs per row (lookback x features). */
  readonly inputs: number;
  /** m: outputs per row (horizon x targets, horizon-major). */
  readonly outputs: number;
  /** Fills row i's inputs x (p) and what the model learns to output y (m), both relative when the data are. */
  fill(i: number, x: Float64Array, y: Float64Array): void;
  /** Row i's value added back to output k (its target's last observed value when relative, else 0). */
  offset(i: number, k: number): number;
  /** The same rows as lags of series, when they are (windows): their Gram sums take one pass per lag. */
  readonly lagged?: Lagged;
  /** What was taken off each input (x, p) and output (y, m) column, where the columns are shifted (windowDesign). */
  readonly shift?: { x: Float64Array; y: Float64Array };
}

export interface RidgeModel {
  /** (p, m) row-major. */
  w: Float64Array;
  /** (m) intercept. */
  b: Float64Array;
  lambda: number;
  alpha: number;
  /** Validation MSE of the chosen alpha (on the learned outputs). */
  valMse: number;
}

const BLOCK = 64;

/** The Gram sums of a design: along the lags when it is windows of series (linear-lagged.ts), else row by row. */
export function grams(d: Design): Grams {
  return runSteps(gramsSteps(d));
}

/** grams() a diagonal or a block of rows at a time (steps.ts). */
function* gramsSteps(d: Design): Steps<Grams> {
  return (d.lagged && (yield* laggedGramsSteps(d.lagged))) || (yield* rowGramsSteps(d));
}

/** Accumulates the Gram sums of a design in blocks of rows (column-major blocks, 4 x 4 tiles of sums). */
export function rowGrams(d: Design): Grams {
  return runSteps(rowGramsSteps(d));
}

/** rowGrams a block of BLOCK rows at a time (steps.ts): BLOCK (qp^2 / 2 + qp mp) multiply-adds a block. */
function* rowGramsSteps(d: Design): Steps<Grams> {
  const p = d.inputs,
    q = p + 1,
    m = d.outputs;
  // Padded to multiples of 4 (zero columns) so that every tile is whole; compacted at the end.
  const qp = Math.ceil(q / 4) * 4,
    mp = Math.ceil(m / 4) * 4;
  const g = new Float64Array(qp * qp),
    c = new Float64Array(qp * mp);
  const zb = new Float64Array(qp * BLOCK),
    yb = new Float64Array(mp * BLOCK);
  const x = new Float64Array(p),
    y = new Float64Array(m);
  let yy = 0;
  for (let r0 = 0; r0 < d.rows; r0 += BLOCK) {
    yy = gramBlock(d, r0, { zb, yb, x, y, g, c }, yy);
    yield BLOCK * ((qp * qp) / 2 + qp * mp);
  }
  const gq = new Float64Array(q * q),
    cq = new Float64Array(q * m);
  for (let i = 0; i < q; i++) {
    for (let j = i; j < q; j++) gq[i * q + j] = g[i * qp + j]!;
    for (let k = 0; k < m; k++) cq[i * m + k] = c[i * mp + k]!;
  }
  return { n: d.rows, q, m, g: gq, c: cq, yy };
}

/** Adds rows [r0, r0 + BLOCK) of a design to the Gram sums g and c (rowGrams's buffers); returns yy plus their y^2. */
function gramBlock(
  d: Design,
  r0: number,
  b: { zb: Float64Array; yb: Float64Array; x: Float64Array; y: Float64Array; g: Float64Array; c: Float64Array },
  yy: number,
): number {
  const { zb, yb, x, y, g, c } = b,
    p = d.inputs,
    m = d.outputs,
    qp = Math.ceil((p + 1) / 4) * 4,
    mp = Math.ceil(m / 4) * 4;
  const R = Math.min(BLOCK, d.rows - r0);
  if (R < BLOCK) {
    zb.fill(0);
    yb.fill(0);
  }
  for (let r = 0; r < R; r++) {
    d.fill(r0 + r, x, y);
    for (let i = 0; i < p; i++) zb[i * BLOCK + r] = x[i]!;
    zb[p * BLOCK + r] = 1;
    for (let k = 0; k < m; k++) {
      yb[k * BLOCK + r] = y[k]!;
      yy += y[k]! * y[k]!;
    }
  }
  for (let i = 0; i < qp; i += 4) {
    for (let j = i; j < qp; j += 4) dot4x4(zb, zb, BLOCK, BLOCK, i, j, 0, BLOCK, g, i * qp + j, qp);
    for (let k = 0; k < mp; k += 4) dot4x4(zb, yb, BLOCK, BLOCK, i, k, 0, BLOCK, c, i * mp + k, mp);
  }
  return yy;
}

/** The centred normal equations of the training Grams: Xc^T Xc (p x p, full) and Xc^T Yc (p x m), and the means. */
export function centred(t: Grams) {
  const { n, q, m } = t,
    p = q - 1;
  const mx = Float64Array.from({ length: p }, (_, i) => t.g[i * q + p]! / n);
  const my = Float64Array.from({ length: m }, (_, k) => t.c[p * m + k]! / n);
  const a = new Float64Array(p * p),
    rhs = new Float64Array(p * m);
  for (let i = 0; i < p; i++)
    for (let j = i; j < p; j++) {
      const v = t.g[i * q + j]! - n * mx[i]! * mx[j]!;
      a[i * p + j] = v;
      a[j * p + i] = v;
    }
  for (let i = 0; i < p; i++) for (let k = 0; k < m; k++) rhs[i * m + k] = t.c[i * m + k]! - n * mx[i]! * my[k]!;
  return { p, m, mx, my, a, rhs };
}

/** Ridge solution for one lambda, by Cholesky; null when the system is not positive definite. */
export function solveRidge(
  cn: ReturnType<typeof centred>,
  lambda: number,
): { w: Float64Array; b: Float64Array } | null {
  const { p, m } = cn;
  const a = Float64Array.from(cn.a);
  for (let i = 0; i < p; i++) a[i * p + i]! += lambda;
  if (!cholesky(a, p)) return null;
  const w = Float64Array.from(cn.rhs);
  cholSolve(a, p, w, m);
  const b = Float64Array.from(cn.my);
  for (let i = 0; i < p; i++) for (let k = 0; k < m; k++) b[k]! -= cn.mx[i]! * w[i * m + k]!;
  return { w, b };
}

/**
 * Mean squared error of z -> A = [w; b] over a design from its Grams: (tr(A^T G A) - 2 tr(A^T C) + sum y^2) / (n m).
 */
export function gramMse(v: Grams, w: Float64Array, b: Float64Array): number {
  const { q, m } = v,
    p = q - 1;
  const A = new Float64Array(q * m);
  A.set(w.subarray(0, p * m));
  A.set(b, p * m);
  const row = new Float64Array(m);
  let quad = 0,
    lin = 0;
  for (let i = 0; i < q; i++) {
    row.fill(0);
    for (let j = 0; j < q; j++) {
      const gij = i <= j ? v.g[i * q + j]! : v.g[j * q + i]!;
      if (gij === 0) continue;
      const aj = j * m;
      for (let k = 0; k < m; k++) row[k]! += gij * A[aj + k]!;
    }
    const ai = i * m;
    for (let k = 0; k < m; k++) {
      quad += A[ai + k]! * row[k]!;
      lin += A[ai + k]! * v.c[ai + k]!;
    }
  }
  return (quad - 2 * lin + v.yy) / Math.max(1, v.n * m);
}

/**
 * Fits the ridge model on `train`, alpha chosen on `val` (decades 1e-6..1e3, then half-decades around the best):
 * every alpha is scored, and the chosen one solved, from one tridiagonalisation of the training normal matrix
 * (linear-path.ts), over the validation split's rows when it has fewer than the inputs, else its Gram sums
 * (solveRidge, by Cholesky, and gramMse are the plain definitions it is tested against).
 */
export function fitRidge(train: Design, val: Design): RidgeModel {
  return runSteps(fitRidgeSteps(train, val));
}

/** fitRidge a step at a time (steps.ts): the Gram sums, the tridiagonalisation and Q's products a panel at a time. */
function* fitRidgeSteps(train: Design, val: Design): Steps<RidgeModel> {
  const cn = centred(yield* gramsSteps(train));
  let trace = 0;
  for (let i = 0; i < cn.p; i++) trace += cn.a[i * cn.p + i]!;
  const scale = trace > 0 ? trace / cn.p : 1;
  const path = yield* ridgePathSteps(cn, val.rows < cn.p ? valRows(val) : yield* gramsSteps(val));
  const scores = new Map<number, number>();
  const score = (e: number) => {
    if (!scores.has(e)) scores.set(e, path.mse(10 ** e * scale));
    return scores.get(e)!;
  };
  const bestOf = (es: number[]) => es.filter((e) => !Number.isNaN(score(e))).sort((a, b) => score(a) - score(b))[0];
  // each decade's score a step (about 4 p^2 multiply-adds), before bestOf reads them from the map
  for (let k = 0; k < 10; k++) {
    score(k - 6);
    yield 4 * cn.p * cn.p;
  }
  const e0 = bestOf(Array.from({ length: 10 }, (_, k) => k - 6));
  if (e0 === undefined)
    throw new Error('linear baseline: the normal equations are not positive definite for any lambda');
  score(e0 - 0.5);
  score(e0 + 0.5);
  yield 8 * cn.p * cn.p;
  const e = bestOf([...scores.keys()])!;
  const lambda = 10 ** e * scale;
  const w = (yield* path.solveSteps(lambda))!;
  const b = Float64Array.from(cn.my);
  for (let i = 0; i < cn.p; i++) for (let k = 0; k < cn.m; k++) b[k]! -= cn.mx[i]! * w[i * cn.m + k]!;
  return { w, b, lambda, alpha: 10 ** e, valMse: score(e) };
}

/** A design's rows: its inputs (rows x p) and outputs (rows x m). */
function valRows(d: Design): ValRows {
  const p = d.inputs,
    m = d.outputs;
  const z = new Float64Array(d.rows * p),
    y = new Float64Array(d.rows * m);
  for (let i = 0; i < d.rows; i++) d.fill(i, z.subarray(i * p, (i + 1) * p), y.subarray(i * m, (i + 1) * m));
  return { rows: d.rows, z, y };
}

/**
 * Forecasts (rows, m) of a fitted model on a design, with the offsets added back (absolute, scaled), in float64 as the
 * fit: in float32 a forecast of a series near 1e7 (data.scale: none) was rounded to a whole number, which made the
 * linear baseline's RMSE of a sine of amplitude 1 read 0.28 where it was 0.096.
 */
export function ridgeForecast(model: RidgeModel, d: Design): Float64Array {
  return runSteps(ridgeForecastSteps(model, d));
}

/** Rows ridgeForecastSteps forecasts a step. */
const FORECAST_ROWS = 256;

/** ridgeForecast FORECAST_ROWS rows at a time (steps.ts): p m multiply-adds a row. */
function* ridgeForecastSteps(model: RidgeModel, d: Design): Steps<Float64Array> {
  const out = new Float64Array(d.rows * d.outputs);
  const x = new Float64Array(d.inputs),
    y = new Float64Array(d.outputs),
    acc = new Float64Array(d.outputs);
  for (let a = 0; a < d.rows; a += FORECAST_ROWS) {
    const b = Math.min(d.rows, a + FORECAST_ROWS);
    forecastRows(model, d, a, b, { x, y, acc }, out);
    yield (b - a) * d.inputs * d.outputs;
  }
  return out;
}

/** ridgeForecast's rows [from, to) into out. */
function forecastRows(
  model: RidgeModel,
  d: Design,
  from: number,
  to: number,
  t: { x: Float64Array; y: Float64Array; acc: Float64Array },
  out: Float64Array,
): void {
  const p = d.inputs,
    m = d.outputs,
    { w, b } = model,
    { x, y, acc } = t;
  for (let n = from; n < to; n++) {
    d.fill(n, x, y);
    acc.set(b);
    for (let i = 0; i < p; i++) {
      const xi = x[i]!;
      if (xi === 0) continue;
      const r = i * m;
      for (let k = 0; k < m; k++) acc[k]! += xi * w[r + k]!;
    }
    for (let k = 0; k < m; k++) out[n * m + k] = acc[k]! + d.offset(n, k);
  }
}

/**
 * The design of a split's windows of prepared data: inputs are the scaled feature columns over `lookback` rows
 * before each window's first target row (an index before row 0 reads row 0), outputs its scaled targets; relative
 * to the last input step when the windows are (data.relative). `fitOnly` keeps the windows whose inputs all exist;
 * `shifted` takes each series' training mean off its columns where they are not relative (the fit's designs).
 */
export function windowDesign(
  d: PreparedData,
  split: 'train' | 'val' | 'test',
  lookback = d.windows[split].lookback,
  fitOnly = false,
  shifted = false,
): Design {
  const w = d.windows[split];
  const relative = w.relative;
  const feats = d.scaledFeatures,
    targs = d.targetSeries.scaled;
  const F = feats.length,
    nT = targs.length,
    H = w.horizon;
  const starts = fitOnly ? w.starts.filter((s) => s >= lookback) : w.starts;
  // the series once each (a target that is also a feature is one series), and every column as a lag of one
  const series = [...new Set([...feats, ...targs])];
  const mean = shifted && !relative ? trainMeans(series, d.ranges.train) : series.map(() => 0);
  const sx = Float64Array.from({ length: lookback * F }, (_, j) => mean[series.indexOf(feats[j % F]!)]!),
    sy = Float64Array.from({ length: H * nT }, (_, j) => mean[series.indexOf(targs[j % nT]!)]!);
  const lagged: Lagged = {
    series,
    x: Array.from({ length: lookback * F }, (_, j) => ({
      series: series.indexOf(feats[j % F]!),
      lag: Math.floor(j / F) - lookback,
    })),
    y: Array.from({ length: H * nT }, (_, j) => ({ series: series.indexOf(targs[j % nT]!), lag: Math.floor(j / nT) })),
    relative,
    shift: mean,
    starts,
  };
  return {
    lagged: starts.every((s) => s >= lookback) ? lagged : undefined,
    rows: starts.length,
    inputs: lookback * F,
    outputs: H * nT,
    fill(i, x, y) {
      const s = starts[i]!;
      for (let f = 0; f < F; f++) {
        const col = feats[f]!,
          ref = relative ? col[s - 1]! : sx[f]!;
        for (let t = 0; t < lookback; t++) x[t * F + f] = col[Math.max(0, s - lookback + t)]! - ref;
      }
      for (let k = 0; k < nT; k++) {
        const col = targs[k]!,
          ref = relative ? col[s - 1]! : sy[k]!;
        for (let h = 0; h < H; h++) y[h * nT + k] = col[s + h]! - ref;
      }
    },
    offset: (i, k) => (relative ? targs[k % nT]![starts[i]! - 1]! : sy[k]!),
    shift: { x: sx, y: sy },
  };
}

/**
 * Each series' mean over the training rows. The fit takes it off the columns it sums: a level near 1e7 with a spread
 * of 1 (data.scale: none) squared and summed over the windows is near 1e16, where float64 keeps nothing of the spread,
 * and the ridge model's test RMSE read 0.109 against 0.00004 for the same series standardised.
 */
function trainMeans(series: readonly Float64Array[], [a, b]: [number, number]): number[] {
  return series.map((v) => {
    let t = 0;
    for (let i = a; i < b; i++) t += v[i]!;
    return b > a ? t / (b - a) : 0;
  });
}

/**
 * The model of shifted designs (windowDesign's `shifted`) on the columns as they are: the intercept takes the shifts
 * back, b + shift_y - shift_x W.
 */
function unshifted(m: RidgeModel, shift: Design['shift']): RidgeModel {
  if (!shift) return m;
  const p = shift.x.length,
    k = shift.y.length,
    b = Float64Array.from(m.b, (v, j) => v + shift.y[j]!);
  for (let i = 0; i < p; i++) for (let j = 0; j < k; j++) b[j]! -= shift.x[i]! * m.w[i * k + j]!;
  return { ...m, b };
}

/**
 * The most inputs (lookback x features) the linear baseline is fitted over: its fit grows with the cube of them (the
 * tridiagonal form of the inputs' Gram matrix, and products with its Q of the outputs' and the validation windows'
 * columns: linearFitSeconds), about 2 minutes of one core at 2,500 when the cap was set (an eigendecomposition until
 * 2026-12-07: 2,400 inputs took 108 s of CPU on a 2-core EPYC), about half a minute now; train and check announce
 * a fit over LINEAR_SLOW_SECONDS first (linearFitNotices); 7 features over a lookback of 336 (ETT multivariate) are
 * 2,352. Wider data (200 columns over 24 steps: 4,800 inputs) leave it out, with linearTooWide's note.
 */
export const LINEAR_MAX_INPUTS = 2500;

/** Why the linear baseline is left out of prepared data's table at a lookback (too many inputs), or null. */
export function linearTooWide(d: PreparedData, lookback = d.windows.train.lookback): string | null {
  const p = lookback * d.scaledFeatures.length;
  if (p <= LINEAR_MAX_INPUTS) return null;
  return (
    `the linear baseline is left out: ${d.scaledFeatures.length} features over a lookback of ${lookback} are ` +
    `${p.toLocaleString('en-US')} inputs, more than ${LINEAR_MAX_INPUTS.toLocaleString('en-US')} (its fit grows ` +
    'with the cube of them: minutes to hours); name fewer inputs in data.features, or give it a shorter lookback ' +
    '(evaluate.baselines: [{linear: {lookback: N}}])'
  );
}

/** What the arithmetic of a ridge fit (fitRidge on windowDesign's fit windows) depends on: linearFitSeconds. */
export interface RidgeShape {
  /** p: lookback x features. */
  inputs: number;
  /** m: horizon x targets. */
  outputs: number;
  /** Training and validation windows whose inputs are all inside the series. */
  train: number;
  val: number;
  /**
   * The series the windows are lags of (features and targets once each), and their lags together (linear-lagged.ts's
   * base columns: lookback for a feature, horizon for a target, both for a series that is both, one more for a target
   * alone of relative windows).
   */
  series: number;
  lags: number;
  /** Whether the training windows' Gram sums go along the lags (linear-lagged.ts), else row by row. */
  lagged: boolean;
}

/** The shape of prepared data's ridge fit at a lookback. */
export function ridgeShape(d: PreparedData, lookback = d.windows.train.lookback): RidgeShape {
  const starts = (s: 'train' | 'val') => Array.from(d.windows[s].starts).filter((x) => x >= lookback);
  const train = starts('train');
  return {
    inputs: lookback * d.scaledFeatures.length,
    outputs: d.windows.train.horizon * d.targetSeries.scaled.length,
    train: train.length,
    val: starts('val').length,
    series: new Set([...d.scaledFeatures, ...d.targetSeries.scaled]).size,
    lags: lagsOf(d, lookback),
    lagged: train.length > 0 && laggable(train),
  };
}

/** The lags of every series of prepared data's windows at a lookback, together (RidgeShape.lags). */
function lagsOf(d: PreparedData, lookback: number): number {
  const H = d.windows.train.horizon,
    relative = d.windows.train.relative;
  let n = 0;
  for (const s of new Set([...d.scaledFeatures, ...d.targetSeries.scaled])) {
    const feature = d.scaledFeatures.includes(s),
      target = d.targetSeries.scaled.includes(s);
    n += (feature ? lookback : 0) + (target ? H : 0) + (target && !feature && relative ? 1 : 0);
  }
  return n;
}

/**
 * Seconds of a ridge fit of this shape, about, from its multiply-adds (linear-path.ts): 2p^3/3 to make T and 2p^3 for
 * Q's products with the validation Gram's 2p columns, at CUBE_RATE; p^2 per column of Q's other products (R, W and the
 * validation rows), p^2 m / 2 for R~ R~^T (and p^2 v / 2 + p v m for the validation rows' products), 60 p^2 for the
 * alphas, at FIT_RATE; the Gram sums along the lags (a sum over the n windows per diagonal: n S lags) at GRAM_RATE,
 * row by row (n p^2 / 2 + n p m) at FIT_RATE. The rates are the slower ones a 2-core EPYC gave under load
 * (BENCHMARKS.md, bench:linear: 1,000 inputs 3.9 s of CPU; 2,000: 14.7-17.9; 4,000: 94; ETTm1-sized, 672 inputs to 96
 * or 672 outputs: 2.5-4.3). Until 2026-12-07 the cube was at FIT_RATE and the Gram sums were n S^2 (lookback +
 * horizon) at 0.25e9, which counted a horizon's lags for every series and over-estimated 2.3 times at 1,000,000 rows x
 * 20, lookback and horizon 96 (the Gram sums 90 s of CPU for the training windows and 17 for the validation ones, the
 * tiles 14.7, the alphas and the solve 1.2: 123 s, expected 286; now 115), 1.8 times at 200,000 x 20, lookback 96,
 * horizon 24 (Gram sums 15.6 and 2.4 s, tiles 12.6: expected 55 s, now 34), 1.8 times on ETTh1's 7 series at
 * lookback 336 (27 s, expected 49 with the forecasts of validation and test, now 33); it under-estimates by a tenth
 * where the outputs' products lead (61 series over a lookback of 40, horizon 12: 2,440 inputs to 732 outputs, 25.4 s
 * of CPU, now 23, 27 before). Measured on their own at 1,920 inputs: T 3.7 s (1.26e9 a second), Q^T times 1,920
 * columns 4.2 s (1.7e9); the Gram sums 0.35e9 a second at 50,000, 100,000 and 200,000 rows x 20, lookback 96 and
 * horizon 24 or lookback 48 and horizon 96. The forecasts that follow it are linearForecastSeconds'.
 */
export function linearFitSeconds(s: RidgeShape): number {
  const { inputs: p, outputs: m, val: v } = s;
  const grams = (n: number) =>
    s.lagged ? (n * s.series * s.lags) / GRAM_RATE : (n * ((p + 1) ** 2 / 2 + (p + 1) * m)) / FIT_RATE;
  const byRows = v < p;
  const cube = (2 / 3) * p ** 3 + (byRows ? 0 : 2 * p ** 3);
  const tiles = 2.5 * p * p * m + 60 * p * p + (byRows ? 1.5 * p * p * v + p * v * m : 0);
  return FIT_START + grams(s.train) + (byRows ? 0 : grams(v)) + cube / CUBE_RATE + tiles / FIT_RATE;
}

/**
 * Multiply-adds a second of the tridiagonalisation and of Q's products with p columns (CUBE_RATE), of the fit's other
 * tiled float64 products (FIT_RATE) and of the Gram sums along the lags; seconds to start.
 */
const CUBE_RATE = 1.25e9,
  FIT_RATE = 0.8e9,
  GRAM_RATE = 0.35e9,
  FIT_START = 0.3;

/**
 * Seconds of the fitted ridge model's forecasts of `windows` windows (ridgeForecast: p m multiply-adds a window, at
 * FORECAST_RATE), which the fit's estimate leaves out: at 1,000,000 rows x 20, lookback and horizon 96 (1,920
 * inputs to 96 outputs), 57 s of CPU for the test split's 149,905 windows (the validation split's as many), after a
 * fit of 123 s.
 */
export function linearForecastSeconds(s: RidgeShape, windows: number): number {
  return (windows * s.inputs * s.outputs) / FORECAST_RATE;
}

/** Multiply-adds a second of ridgeForecast (0.48e9 measured, 1,920 inputs to 96 outputs, on a loaded 2-core EPYC). */
const FORECAST_RATE = 0.45e9;

/** Fits expected to take longer than this are announced first (linearFitNotice), not left as silence. */
export const LINEAR_SLOW_SECONDS = 20;

const fitted = new WeakMap<PreparedData, Map<number, RidgeModel>>();

/** Whether the ridge model of prepared data for a lookback is fitted already (linearModel keeps it). */
export function linearFitted(d: PreparedData, lookback = d.windows.train.lookback): boolean {
  return fitted.get(d)?.has(lookback) === true;
}

/**
 * The ridge model of prepared data for a lookback: fitted on train, alpha chosen on val, kept for the data (a model
 * linearModelSteps fitted, run to its end by runStepsAsync, is this one's too).
 */
export function linearModel(d: PreparedData, lookback = d.windows.train.lookback): RidgeModel {
  return runSteps(linearModelSteps(d, lookback));
}

/**
 * linearModel with a turn of the event loop every so often during the fit (runStepsAsync; `onTurn` before each, which
 * may throw to stop it), so that a signal's handler runs on the main thread (tune's ranking of lookbacks); the same
 * model, kept as linearModel's.
 */
export function linearModelAsync(
  d: PreparedData,
  lookback = d.windows.train.lookback,
  onTurn?: () => void,
): Promise<RidgeModel> {
  return runStepsAsync(linearModelSteps(d, lookback), onTurn);
}

/** linearModel a step at a time (steps.ts): none when it is fitted already. */
function* linearModelSteps(d: PreparedData, lookback = d.windows.train.lookback): Steps<RidgeModel> {
  const kept = fitted.get(d)?.get(lookback);
  if (kept) return kept;
  const train = windowDesign(d, 'train', lookback, true, true);
  const m = unshifted(yield* fitRidgeSteps(train, windowDesign(d, 'val', lookback, true, true)), train.shift);
  // the map looked up again: another fit (linearModel, while this one waited for a turn) may have kept its own
  const byLookback = fitted.get(d) ?? new Map<number, RidgeModel>();
  fitted.set(d, byLookback);
  if (!byLookback.has(lookback)) byLookback.set(lookback, m);
  return byLookback.get(lookback)!;
}

/** The linear baseline's forecasts (N, horizon * targets) for a split's windows, scaled, offsets added back. */
export function linearForecast(d: PreparedData, split: 'train' | 'val' | 'test', lookback?: number): Float64Array {
  return runSteps(linearForecastSteps(d, split, lookback));
}

/** linearForecast a step at a time (steps.ts): the fit's, where it is not fitted yet, then the forecasts'. */
export function* linearForecastSteps(
  d: PreparedData,
  split: 'train' | 'val' | 'test',
  lookback?: number,
): Steps<Float64Array> {
  const L = lookback ?? d.windows[split].lookback;
  const model = yield* linearModelSteps(d, L);
  return yield* ridgeForecastSteps(model, windowDesign(d, split, L));
}

// Ensembles.
// Snapshot ensemble (Huang et al. 2017): one training run under cosine annealing with warm restarts;
// the weights at the end of each cycle are kept, and the prediction is the mean of the last k snapshots.
// Fusion of trained models: plain mean, a mean weighted by 1/validation-MSE, a blend (the convex weights with
// the lowest validation MSE: Breiman 1996's stacked regression under non-negative weights that sum to one), or a
// least-squares stacker (per output: y ~ w0 + sum_m w_m p_m, fitted on validation predictions, tiny ridge).
import { expected, ShapeError, ValueError } from '../errors.js';
import type { Tensor } from '../nn/index.js';
import { getSchedule } from '../optim/index.js';
import { Callback } from './callbacks.js';
import type { FitOptions, History, Model } from './model.js';
import { sliceRows } from './model.js';
import { denseRows, type Samples } from './samples.js';

export interface Predictor {
  predict(x: Samples, opts?: { batchSize?: number }): Tensor;
}

function meanOf(preds: Tensor[], weights?: number[]): Tensor {
  const n = preds[0]!.data.length,
    out = new Float32Array(n);
  preds.forEach((p, m) => {
    const w = weights ? weights[m]! : 1 / preds.length;
    for (let i = 0; i < n; i++) out[i]! += w * p.data[i]!;
  });
  return { data: out, shape: preds[0]!.shape };
}

export class SnapshotEnsemble implements Predictor {
  constructor(
    readonly model: Model,
    readonly snapshots: Float32Array[],
    readonly states: Float32Array[],
    readonly keep: number,
  ) {}

  /** Mean prediction of the last k snapshots (default: `keep`). The model's own weights are left as they were. */
  predict(x: Samples, opts: { batchSize?: number; k?: number } = {}): Tensor {
    return meanOf(this.withSnapshots((m) => m.predict(x, opts), opts.k, 'SnapshotEnsemble.predict k'));
  }

  /**
   * `fn` on the model holding each of the last k snapshots' weights (default: `keep`), oldest first; the model's own
   * weights are put back after. What predict averages, for a caller that reads the weights (an ONNX export).
   */
  withSnapshots<T>(fn: (model: Model) => T, k = this.keep, what = 'SnapshotEnsemble k'): T[] {
    if (this.snapshots.length === 0) throw new ValueError('SnapshotEnsemble: no snapshots were taken');
    const last = Math.min(checkKeep(what, k), this.snapshots.length);
    const e = this.model.engine;
    const saved = e.view(this.model.params).slice(),
      savedState = e.view(this.model.state).slice();
    const out: T[] = [];
    try {
      for (let i = this.snapshots.length - last; i < this.snapshots.length; i++) {
        e.view(this.model.params).set(this.snapshots[i]!);
        e.view(this.model.state).set(this.states[i]!);
        out.push(fn(this.model));
      }
    } finally {
      e.view(this.model.params).set(saved);
      e.view(this.model.state).set(savedState);
    }
    return out;
  }
}

/** Snapshots averaged: a positive integer (more than were taken means all of them). */
function checkKeep(name: string, k: number): number {
  if (!Number.isInteger(k) || k < 1) throw new ValueError(expected(name, 'a positive integer', k));
  return k;
}

export interface SnapshotOptions extends Omit<FitOptions, 'epochs' | 'schedule'> {
  /** Number of SGDR cycles (snapshots taken). */
  cycles: number;
  /** Epochs in the first cycle. */
  cycleEpochs: number;
  /** Each cycle is this many times longer than the one before (default 1). */
  cycleMult?: number;
  /** Lowest learning rate at the end of a cycle (default 0). */
  etaMin?: number;
  /** Snapshots averaged at prediction (default: all). */
  keep?: number;
}

/**
 * Trains one model with cosine warm restarts and keeps a snapshot at the end of every cycle.
 * @example
 * import { dense, fitSnapshotEnsemble, gru, sequential, tensor } from 'seqtune';
 * const x = tensor(new Float32Array(256 * 24), [256, 24, 1]); // 256 windows of 24 steps, one feature
 * const y = tensor(new Float32Array(256), [256, 1]);
 * const model = sequential([gru({ units: 16, inputShape: [24, 1] }), dense({ units: 1 })]);
 * model.compile({ loss: 'mse' });
 * const { ensemble } = await fitSnapshotEnsemble(model, x, y, { cycles: 4, cycleEpochs: 10, batchSize: 32 });
 */
export async function fitSnapshotEnsemble(
  model: Model,
  x: Samples,
  y: Samples,
  o: SnapshotOptions,
): Promise<{ ensemble: SnapshotEnsemble; history: History }> {
  if (!Number.isInteger(o.cycles) || o.cycles < 1)
    throw new ValueError(expected('snapshot.cycles', 'a positive integer', o.cycles));
  if (!Number.isInteger(o.cycleEpochs) || o.cycleEpochs < 1)
    throw new ValueError(expected('snapshot.cycleEpochs', 'a positive integer', o.cycleEpochs));
  // keep 0 trained every cycle and then told predict "no snapshots were taken"; cycleMult 1.5 was refused as the
  // schedule's t_mult and etaMin -1 as its eta_min, options the caller never gave
  const mult = o.cycleMult ?? 1;
  if (!Number.isInteger(mult) || mult < 1)
    throw new ValueError(expected('snapshot.cycleMult', 'an integer >= 1', o.cycleMult));
  if (o.etaMin !== undefined && !(o.etaMin >= 0 && Number.isFinite(o.etaMin)))
    throw new ValueError(expected('snapshot.etaMin', 'a number >= 0', o.etaMin));
  if (o.keep !== undefined) checkKeep('snapshot.keep', o.keep);
  const schedule = getSchedule({ cosine_restarts: { t_0: o.cycleEpochs, t_mult: mult, eta_min: o.etaMin ?? 0 } });
  let epochs = 0;
  for (let c = 0, len = o.cycleEpochs; c < o.cycles; c++, len *= mult) epochs += len;
  const snapshots: Float32Array[] = [],
    states: Float32Array[] = [];
  class Snap extends Callback {
    override onEpochEnd(epoch: number): void {
      if (schedule.isCycleEnd!(epoch)) {
        snapshots.push(model.engine.view(model.params).slice());
        states.push(model.engine.view(model.state).slice());
      }
    }
  }
  const { cycles: _c, cycleEpochs: _e, cycleMult: _m, etaMin: _eta, keep, ...fitOpts } = o;
  const history = await model.fit(x, y, {
    ...fitOpts,
    epochs,
    schedule,
    callbacks: [...(o.callbacks ?? []), new Snap()],
  });
  return { ensemble: new SnapshotEnsemble(model, snapshots, states, keep ?? snapshots.length), history };
}

export type FusionMethod = 'mean' | 'weighted' | 'blend' | 'stacked';
export const FUSION_METHODS: readonly FusionMethod[] = ['mean', 'weighted', 'blend', 'stacked'];

const shapeText = (t: Tensor) => `[${t.shape.join(', ')}]`;

/**
 * Whether two members forecast the same outputs: the same shape, or one the other's sequence flattened. A model
 * whose output is a vector of horizon x targets (a dense head, the linear baseline) and one whose output is a
 * sequence (horizon, targets) (an encoder-decoder's time-distributed head) forecast the same values in the same
 * order, horizon-major: value h * targets + k of a window is step h of target k in both (data/window.ts targets).
 * A fusion of them is one of those flat buffers, whichever form its members give it.
 */
function sameOutputs(a: readonly number[], b: readonly number[]): boolean {
  const size = (s: readonly number[]) => s.slice(1).reduce((p, v) => p * v, 1);
  if (a.length === b.length) return a.every((v, i) => v === b[i]);
  return a[0] === b[0] && Math.min(a.length, b.length) === 2 && size(a) === size(b);
}

export class Fusion implements Predictor {
  /** Per member weight (mean, weighted, blend) or per output column [intercept, w_1..w_M] (stacked). */
  constructor(
    readonly members: Predictor[],
    readonly method: FusionMethod,
    readonly weights: number[] | number[][],
  ) {}

  /** The members' forecasts combined, in member 1's form: (N, horizon * targets) or (N, horizon, targets). */
  predict(x: Samples, opts: { batchSize?: number } = {}): Tensor {
    const preds = this.members.map((m) => m.predict(x, opts));
    const odd = preds.findIndex((p) => !sameOutputs(p.shape, preds[0]!.shape));
    if (odd > 0)
      throw new ShapeError(
        `fuseModels: member ${odd + 1} predicts ${shapeText(preds[odd]!)} where member 1 predicts ` +
          `${shapeText(preds[0]!)}; the members of a fusion must forecast the same outputs`,
      );
    if (this.method !== 'stacked') return meanOf(preds, this.weights as number[]);
    const W = this.weights as number[][],
      cols = W.length,
      n = preds[0]!.data.length,
      out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const w = W[i % cols]!;
      let v = w[0]!;
      preds.forEach((p, m) => {
        v += w[m + 1]! * p.data[i]!;
      });
      out[i] = v;
    }
    return { data: out, shape: preds[0]!.shape };
  }
}

/**
 * Gauss-Jordan elimination with partial pivoting of the augmented k x (k + 1) rows M, in place: after it, row i
 * reads M_ii x_i = M_ik. A column whose pivot is below `tiny` is left as it is; returns false when one was.
 */
function gaussJordan(M: Float64Array[] | number[][], k: number, tiny: number): boolean {
  let full = true;
  for (let c = 0; c < k; c++) {
    let piv = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[piv]![c]!)) piv = r;
    [M[c], M[piv]] = [M[piv]!, M[c]!];
    if (Math.abs(M[c]![c]!) < tiny) {
      full = false;
      continue;
    }
    for (let r = 0; r < k; r++) {
      if (r === c) continue;
      const f = M[r]![c]! / M[c]![c]!;
      for (let q = c; q <= k; q++) M[r]![q]! -= f * M[c]![q]!;
    }
  }
  return full;
}

/** Solves (A^T A + ridge I) w = A^T b by Gaussian elimination with partial pivoting; A is n x k row-major. */
function leastSquares(A: Float64Array, b: Float64Array, n: number, k: number, ridge: number): number[] {
  const M = Array.from({ length: k }, () => new Float64Array(k + 1));
  for (let i = 0; i < n; i++)
    for (let p = 0; p < k; p++) {
      const a = A[i * k + p]!;
      for (let q = 0; q < k; q++) M[p]![q]! += a * A[i * k + q]!;
      M[p]![k]! += a * b[i]!;
    }
  for (let p = 1; p < k; p++) M[p]![p]! += ridge;
  gaussJordan(M, k, 1e-300);
  return M.map((row, i) => (Math.abs(row[i]!) < 1e-300 ? 0 : row[k]! / row[i]!));
}

/** The most members a blend fuses: convexWeights solves every subset of them (2^M). */
export const BLEND_MAX_MEMBERS = 12;

/**
 * The weights w >= 0, sum 1, that minimise the mean squared error of sum_m w_m p_m against y: w' G w - 2 c' w with
 * G_ij = p_i . p_j and c_i = p_i . y. Exact: the equality-constrained solution on every subset of the members
 * (at most 12), the best one with no negative weight. Members that predict alike (a singular subset) are solved
 * on the smaller subsets.
 */
function convexWeights(preds: Tensor[], y: Tensor): number[] {
  const M = preds.length;
  if (M > BLEND_MAX_MEMBERS)
    throw new ValueError(`fuseModels: method "blend" fuses at most ${BLEND_MAX_MEMBERS} models, received ${M}`);
  const G = preds.map((a) => preds.map((b) => dot(a.data, b.data)));
  const c = preds.map((a) => dot(a.data, y.data));
  let best: { w: number[]; f: number } = { w: preds.map((_, i) => (i === 0 ? 1 : 0)), f: G[0]![0]! - 2 * c[0]! };
  for (let mask = 1; mask < 1 << M; mask++) {
    const S = [...Array(M).keys()].filter((i) => mask & (1 << i));
    // KKT of min w'Gw - 2c'w subject to sum w = 1 on S: [2 G_S, 1; 1', 0] [w; mu] = [2 c_S; 1]
    const k = S.length + 1;
    const A = new Float64Array(k * k),
      b = new Float64Array(k);
    S.forEach((i, r) => {
      S.forEach((j, q) => {
        A[r * k + q] = 2 * G[i]![j]!;
      });
      A[r * k + S.length] = 1;
      A[S.length * k + r] = 1;
      b[r] = 2 * c[i]!;
    });
    b[S.length] = 1;
    const x = solveSquare(A, b, k);
    if (!x || x.slice(0, S.length).some((v) => v < 0)) continue;
    const w = new Array<number>(M).fill(0);
    S.forEach((i, r) => {
      w[i] = x[r]!;
    });
    let f = 0;
    for (let i = 0; i < M; i++) {
      f -= 2 * c[i]! * w[i]!;
      for (let j = 0; j < M; j++) f += w[i]! * G[i]![j]! * w[j]!;
    }
    if (f < best.f) best = { w, f };
  }
  return best.w;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Solves A x = b (k x k, row-major) by Gauss-Jordan elimination with partial pivoting; null when A is singular. */
function solveSquare(A: Float64Array, b: Float64Array, k: number): number[] | null {
  const M = Array.from({ length: k }, (_, r) => [...A.subarray(r * k, r * k + k), b[r]!]);
  const scale = Math.max(...A.map(Math.abs), 1e-300);
  if (!gaussJordan(M, k, 1e-12 * scale)) return null;
  return M.map((row, i) => row[k]! / row[i]!);
}

/**
 * Fuses trained models into one predictor. 'weighted', 'blend' and 'stacked' need validation data.
 * @example
 * import { dense, fuseModels, gru, sequential, tensor } from 'seqtune';
 * const xVal = tensor(new Float32Array(64 * 24), [64, 24, 1]); // validation windows: 24 steps, one feature
 * const yVal = tensor(new Float32Array(64), [64, 1]);
 * const member = (units: number) => {
 *   const m = sequential([gru({ units, inputShape: [24, 1] }), dense({ units: 1 })]);
 *   m.compile({ loss: 'mse' });
 *   return m; // trained with m.fit before it is fused
 * };
 * const f = fuseModels([member(8), member(16), member(32)], { method: 'stacked', validation: [xVal, yVal] });
 */
export function fuseModels(
  members: Predictor[],
  o: { method?: FusionMethod; validation?: [Samples, Samples] } = {},
): Fusion {
  const method = o.method ?? 'mean';
  if (members.length < 1) throw new ValueError('fuseModels: expected at least one model');
  if (!FUSION_METHODS.includes(method))
    throw new ValueError(expected('fuseModels.method', 'mean, weighted, blend or stacked', method));
  if (method === 'mean')
    return new Fusion(
      members,
      method,
      members.map(() => 1 / members.length),
    );
  if (!o.validation) throw new ValueError(`fuseModels: method "${method}" needs validation data`);
  const xv = o.validation[0],
    yv = denseRows(o.validation[1]);
  const preds = members.map((m) => m.predict(xv));
  for (const p of preds)
    if (p.data.length !== yv.data.length)
      throw new ValueError(
        `fuseModels: a member predicts ${p.data.length} values for ${yv.data.length} validation targets`,
      );
  if (method === 'weighted') {
    const inv = preds.map((p) => {
      let s = 0;
      for (let i = 0; i < p.data.length; i++) s += (p.data[i]! - yv.data[i]!) ** 2;
      return 1 / Math.max(s / p.data.length, 1e-12);
    });
    const tot = inv.reduce((a, b) => a + b, 0);
    return new Fusion(
      members,
      method,
      inv.map((v) => v / tot),
    );
  }
  if (method === 'blend') return new Fusion(members, method, convexWeights(preds, yv));
  const cols = yv.shape[yv.shape.length - 1] ?? 1,
    n = yv.data.length / cols,
    k = members.length + 1;
  const W: number[][] = [];
  for (let c = 0; c < cols; c++) {
    const A = new Float64Array(n * k),
      b = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      A[i * k] = 1;
      preds.forEach((p, m) => {
        A[i * k + m + 1] = p.data[i * cols + c]!;
      });
      b[i] = yv.data[i * cols + c]!;
    }
    W.push(leastSquares(A, b, n, k, 1e-8 * n));
  }
  return new Fusion(members, method, W);
}

/**
 * The fusion's validation predictions, each made by a fusion fitted without it: 'weighted' and 'stacked' are fitted
 * on one half of the validation windows (in order) and predict the other, both ways, so that a stacker cannot look
 * better than its members only by fitting the windows it is scored on. 'mean' fits nothing and predicts them all.
 * @example
 * import { dense, gru, sequential, tensor } from 'seqtune';
 * import { crossFitPredict } from 'seqtune/train';
 * const xVal = tensor(new Float32Array(64 * 24), [64, 24, 1]); // validation windows: 24 steps, one feature
 * const yVal = tensor(new Float32Array(64), [64, 1]);
 * const member = (units: number) => {
 *   const m = sequential([gru({ units, inputShape: [24, 1] }), dense({ units: 1 })]);
 *   m.compile({ loss: 'mse' });
 *   return m; // trained with m.fit before it is fused
 * };
 * const [a, b] = [member(8), member(16)];
 * const pred = crossFitPredict([a, b], 'stacked', [xVal, yVal]); // compare its MSE with a's and b's
 */
export function crossFitPredict(members: Predictor[], method: FusionMethod, validation: [Tensor, Tensor]): Tensor {
  const [xv, yv] = validation;
  const n = xv.shape[0]!;
  if (method === 'mean' || n < 4) return fuseModels(members, { method, validation }).predict(xv);
  const half = Math.floor(n / 2);
  const out = new Float32Array(yv.data.length),
    per = yv.data.length / n;
  for (const [fit, score] of [
    [
      [0, half],
      [half, n],
    ],
    [
      [half, n],
      [0, half],
    ],
  ] as const) {
    const f = fuseModels(members, {
      method,
      validation: [sliceRows(xv, fit[0], fit[1]), sliceRows(yv, fit[0], fit[1])],
    });
    out.set(f.predict(sliceRows(xv, score[0], score[1])).data, score[0] * per);
  }
  return { data: out, shape: yv.shape };
}

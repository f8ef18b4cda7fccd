// Plain TypeScript references: slow, obvious, float64. They are the spec the fast kernels are
// tested against (test/engine). Layouts match the kernels: row-major, time-major (T, B, .) sequences,
// gate blocks in PyTorch order (GRU r, z, n; LSTM i, f, g, o).
import { ACT } from './ops.js';

type Arr = ArrayLike<number>;

/** C = beta*C + op(A) @ op(B). */
export function gemm(
  M: number,
  N: number,
  K: number,
  A: Arr,
  lda: number,
  transA: boolean,
  B: Arr,
  ldb: number,
  transB: boolean,
  C: Float64Array | Float32Array,
  ldc: number,
  beta: number,
): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++)
        s += (transA ? A[k * lda + i]! : A[i * lda + k]!) * (transB ? B[j * ldb + k]! : B[k * ldb + j]!);
      C[i * ldc + j] = (beta === 0 ? 0 : beta * C[i * ldc + j]!) + s;
    }
  }
}

export function act(id: number, x: number): number {
  switch (id) {
    case ACT.sigmoid:
      return 1 / (1 + Math.exp(-x));
    case ACT.hard_sigmoid:
      return Math.min(Math.max(x / 6 + 0.5, 0), 1);
    case ACT.tanh:
      return Math.tanh(x);
    case ACT.relu:
      return Math.max(x, 0);
    case ACT.softsign:
      return x / (1 + Math.abs(x));
    case ACT.elu:
      return x > 0 ? x : Math.exp(x) - 1;
    default:
      return x;
  }
}

/** Derivative in terms of the output y. */
export function dact(id: number, y: number): number {
  switch (id) {
    case ACT.sigmoid:
      return y * (1 - y);
    case ACT.hard_sigmoid:
      return y > 0 && y < 1 ? 1 / 6 : 0;
    case ACT.tanh:
      return 1 - y * y;
    case ACT.relu:
      return y > 0 ? 1 : 0;
    case ACT.softsign:
      return (1 - Math.abs(y)) ** 2;
    case ACT.elu:
      return y > 0 ? 1 : y + 1;
    default:
      return 1;
  }
}

export type Cell = 'gru' | 'lstm' | 'simple_rnn';
export const gatesOf = (cell: Cell): number => (cell === 'gru' ? 3 : cell === 'lstm' ? 4 : 1);

/**
 * Weights of one recurrent direction: Wx (F, G*H), Wh (H, G*H), bx (G*H),
 * bh (G*H; GRU's recurrent bias, else added to bx).
 */
export interface CellWeights {
  Wx: Arr;
  Wh: Arr;
  bx: Arr;
  bh: Arr;
}

export interface CellRun {
  h: Float64Array; // (T, B, H) in time order
  steps: { t: number; vals: Record<'hprev' | 'cprev' | 'hp' | 'gates' | 'h' | 'c', Float64Array> }[];
}

/**
 * Runs one recurrent direction over x (T, B, F) from zero state; reverse processes t = T-1 .. 0.
 * Returns the outputs in time order and the per-step values the backward pass needs.
 */
export function cellForward(
  cell: Cell,
  T: number,
  B: number,
  F: number,
  H: number,
  x: Arr,
  w: CellWeights,
  actId: number,
  ractId: number,
  reverse = false,
): CellRun {
  const dims: Dims = { B, F, H, GH: gatesOf(cell) * H };
  const h = new Float64Array(T * B * H);
  const steps: CellRun['steps'] = [];
  let hprev: Float64Array = new Float64Array(B * H),
    cprev: Float64Array = new Float64Array(B * H);
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    const { xp, hp } = projections(dims, t, x, w, hprev);
    const out = STEP_FORWARD[cell]({ B, H, xp, hp, hprev, cprev, actId, ractId });
    h.set(out.h, t * B * H);
    steps.push({ t, vals: { hprev, cprev, hp, gates: out.gates, h: out.h, c: out.c } });
    hprev = out.h;
    cprev = out.c;
  }
  return { h, steps };
}

/** Sizes of one direction: batch, input features, units, and gate columns G*H. */
interface Dims {
  B: number;
  F: number;
  H: number;
  GH: number;
}

/** xp = x_t Wx + bx and hp = hprev Wh + bh, both (B, G*H). */
function projections(
  { B, F, H, GH }: Dims,
  t: number,
  x: Arr,
  w: CellWeights,
  hprev: Float64Array,
): { xp: Float64Array; hp: Float64Array } {
  const xp = new Float64Array(B * GH),
    hp = new Float64Array(B * GH);
  for (let b = 0; b < B; b++)
    for (let j = 0; j < GH; j++) {
      let a = w.bx[j]!,
        r = w.bh[j]!;
      for (let f = 0; f < F; f++) a += x[(t * B + b) * F + f]! * w.Wx[f * GH + j]!;
      for (let k = 0; k < H; k++) r += hprev[b * H + k]! * w.Wh[k * GH + j]!;
      xp[b * GH + j] = a;
      hp[b * GH + j] = r;
    }
  return { xp, hp };
}

/** What one step of a cell reads: the projections (B, G*H), the previous state (B, H), the activations. */
interface StepIn {
  B: number;
  H: number;
  xp: Float64Array;
  hp: Float64Array;
  hprev: Float64Array;
  cprev: Float64Array;
  actId: number;
  ractId: number;
}

/** One step's gate values (B, G*H), new output h and cell state c (B, H; zeros but for LSTM). */
interface StepOut {
  gates: Float64Array;
  h: Float64Array;
  c: Float64Array;
}

const stepArrays = (B: number, H: number, G: number): StepOut => ({
  gates: new Float64Array(B * G * H),
  h: new Float64Array(B * H),
  c: new Float64Array(B * H),
});

/** GRU, reset after (PyTorch, cuDNN): r, z = ract(xp + hp); n = act(xp_n + r hp_n); h = (1 - z) n + z hprev. */
function gruForward({ B, H, xp, hp, hprev, actId, ractId }: StepIn): StepOut {
  const GH = 3 * H,
    out = stepArrays(B, H, 3),
    { gates } = out;
  for (let b = 0; b < B; b++)
    for (let j = 0; j < H; j++) {
      const q = b * GH;
      const r = act(ractId, xp[q + j]! + hp[q + j]!);
      const z = act(ractId, xp[q + H + j]! + hp[q + H + j]!);
      const n = act(actId, xp[q + 2 * H + j]! + r * hp[q + 2 * H + j]!);
      gates[q + j] = r;
      gates[q + H + j] = z;
      gates[q + 2 * H + j] = n;
      out.h[b * H + j] = (1 - z) * n + z * hprev[b * H + j]!;
    }
  return out;
}

/** LSTM: i, f, o = ract(xp + hp); g = act(xp + hp); c = f cprev + i g; h = o act(c). */
function lstmForward({ B, H, xp, hp, cprev, actId, ractId }: StepIn): StepOut {
  const GH = 4 * H,
    out = stepArrays(B, H, 4),
    { gates, c } = out;
  for (let b = 0; b < B; b++)
    for (let j = 0; j < H; j++) {
      const q = b * GH;
      const pre = (g: number) => xp[q + g * H + j]! + hp[q + g * H + j]!;
      const i = act(ractId, pre(0)),
        f = act(ractId, pre(1)),
        g = act(actId, pre(2)),
        o = act(ractId, pre(3));
      gates[q + j] = i;
      gates[q + H + j] = f;
      gates[q + 2 * H + j] = g;
      gates[q + 3 * H + j] = o;
      c[b * H + j] = f * cprev[b * H + j]! + i * g;
      out.h[b * H + j] = o * act(actId, c[b * H + j]!);
    }
  return out;
}

/** SimpleRNN: h = act(xp + hp). */
function rnnForward({ B, H, xp, hp, actId }: StepIn): StepOut {
  const out = stepArrays(B, H, 1);
  for (let b = 0; b < B; b++)
    for (let j = 0; j < H; j++) out.h[b * H + j] = act(actId, xp[b * H + j]! + hp[b * H + j]!);
  return out;
}

const STEP_FORWARD: Record<Cell, (s: StepIn) => StepOut> = {
  gru: gruForward,
  lstm: lstmForward,
  simple_rnn: rnnForward,
};

export interface CellGrads {
  dWx: Float64Array;
  dWh: Float64Array;
  dbx: Float64Array;
  dbh: Float64Array;
  dx: Float64Array;
}

/** Backpropagation through time for cellForward, given dL/dh (T, B, H) in time order. */
export function cellBackward(
  cell: Cell,
  T: number,
  B: number,
  F: number,
  H: number,
  x: Arr,
  w: CellWeights,
  run: CellRun,
  dh: Arr,
  actId: number,
  ractId: number,
): CellGrads {
  const dims: Dims = { B, F, H, GH: gatesOf(cell) * H };
  const g: CellGrads = {
    dWx: new Float64Array(F * dims.GH),
    dWh: new Float64Array(H * dims.GH),
    dbx: new Float64Array(dims.GH),
    dbh: new Float64Array(dims.GH),
    dx: new Float64Array(T * B * F),
  };
  let dcarry: Float64Array = new Float64Array(B * H),
    dcc: Float64Array = new Float64Array(B * H);
  for (let s = T - 1; s >= 0; s--) {
    const { t, vals } = run.steps[s]!;
    const d = Float64Array.from(dcarry, (v, i) => v + dh[t * B * H + i]!);
    const back = STEP_BACKWARD[cell]({ B, H, d, dc: dcc, vals, actId, ractId });
    addRecurrentGrad(dims, back.dhp, w.Wh, back.dhPrev);
    accumulateWeightGrads(dims, g, t, x, vals.hprev, back);
    inputGrad(dims, g, t, w.Wx, back.dxp);
    dcarry = back.dhPrev;
    dcc = back.dcPrev;
  }
  return g;
}

/** What one backward step of a cell reads. */
interface StepBack {
  B: number;
  H: number;
  /** dL/dh of this step (B, H): the output's own gradient plus what the step after carried back. */
  d: Float64Array;
  /** dL/dc carried back from the step after (LSTM). */
  dc: Float64Array;
  vals: CellRun['steps'][number]['vals'];
  actId: number;
  ractId: number;
}

/** Gradients of the step's projections (B, G*H) and of the previous state (B, H). */
interface StepGrads {
  dxp: Float64Array;
  dhp: Float64Array;
  /** dL/dhprev through the cell's direct path; the recurrent GEMM's share is added after. */
  dhPrev: Float64Array;
  /** dL/dcprev (LSTM; zeros otherwise). */
  dcPrev: Float64Array;
}

const stepGrads = (B: number, H: number, G: number): StepGrads => ({
  dxp: new Float64Array(B * G * H),
  dhp: new Float64Array(B * G * H),
  dhPrev: new Float64Array(B * H),
  dcPrev: new Float64Array(B * H),
});

/** GRU backward: the reset gate acts on the recurrent projection of n, so dhp_n = dn * r. */
function gruBackward({ B, H, d: dOut, vals, actId, ractId }: StepBack): StepGrads {
  const { hprev, hp, gates } = vals;
  const GH = 3 * H,
    out = stepGrads(B, H, 3),
    { dxp, dhp } = out;
  for (let b = 0; b < B; b++)
    for (let j = 0; j < H; j++) {
      const q = b * GH,
        d = dOut[b * H + j]!;
      const r = gates[q + j]!,
        z = gates[q + H + j]!,
        n = gates[q + 2 * H + j]!;
      const dpn = d * (1 - z) * dact(actId, n);
      const dz = d * (hprev[b * H + j]! - n) * dact(ractId, z);
      const dr = dpn * hp[q + 2 * H + j]! * dact(ractId, r);
      out.dhPrev[b * H + j]! += d * z;
      dxp[q + j] = dr;
      dxp[q + H + j] = dz;
      dxp[q + 2 * H + j] = dpn;
      dhp[q + j] = dr;
      dhp[q + H + j] = dz;
      dhp[q + 2 * H + j] = dpn * r;
    }
  return out;
}

/** LSTM backward: dc = dc_next + dh o act'(act(c)); every gate sees the same pre-activation in xp and hp. */
function lstmBackward({ B, H, d: dOut, dc: dcNext, vals, actId, ractId }: StepBack): StepGrads {
  const { cprev, gates, c } = vals;
  const GH = 4 * H,
    out = stepGrads(B, H, 4),
    { dxp, dhp } = out;
  for (let b = 0; b < B; b++)
    for (let j = 0; j < H; j++) {
      const q = b * GH,
        d = dOut[b * H + j]!;
      const i = gates[q + j]!,
        f = gates[q + H + j]!,
        gg = gates[q + 2 * H + j]!,
        o = gates[q + 3 * H + j]!;
      const a = act(actId, c[b * H + j]!);
      const dc = dcNext[b * H + j]! + d * o * dact(actId, a);
      out.dcPrev[b * H + j] = dc * f;
      dxp[q + j] = dc * gg * dact(ractId, i);
      dxp[q + H + j] = dc * cprev[b * H + j]! * dact(ractId, f);
      dxp[q + 2 * H + j] = dc * i * dact(actId, gg);
      dxp[q + 3 * H + j] = d * a * dact(ractId, o);
      for (let k = 0; k < 4; k++) dhp[q + k * H + j] = dxp[q + k * H + j]!;
    }
  return out;
}

/** SimpleRNN backward: dxp = dhp = dh act'(h). */
function rnnBackward({ B, H, d, vals, actId }: StepBack): StepGrads {
  const out = stepGrads(B, H, 1);
  for (let i = 0; i < B * H; i++) {
    out.dxp[i] = d[i]! * dact(actId, vals.h[i]!);
    out.dhp[i] = out.dxp[i]!;
  }
  return out;
}

const STEP_BACKWARD: Record<Cell, (s: StepBack) => StepGrads> = {
  gru: gruBackward,
  lstm: lstmBackward,
  simple_rnn: rnnBackward,
};

/** dhPrev += dhp Wh^T. */
function addRecurrentGrad({ B, H, GH }: Dims, dhp: Float64Array, Wh: Arr, dhPrev: Float64Array): void {
  for (let b = 0; b < B; b++)
    for (let k = 0; k < H; k++) {
      let s2 = 0;
      for (let j = 0; j < GH; j++) s2 += dhp[b * GH + j]! * Wh[k * GH + j]!;
      dhPrev[b * H + k]! += s2;
    }
}

/** dbx += sum dxp, dbh += sum dhp, dWx += x_t^T dxp, dWh += hprev^T dhp. */
function accumulateWeightGrads(
  { B, F, H, GH }: Dims,
  g: CellGrads,
  t: number,
  x: Arr,
  hprev: Float64Array,
  { dxp, dhp }: StepGrads,
): void {
  for (let b = 0; b < B; b++)
    for (let j = 0; j < GH; j++) {
      g.dbx[j]! += dxp[b * GH + j]!;
      g.dbh[j]! += dhp[b * GH + j]!;
      for (let f = 0; f < F; f++) g.dWx[f * GH + j]! += x[(t * B + b) * F + f]! * dxp[b * GH + j]!;
      for (let k = 0; k < H; k++) g.dWh[k * GH + j]! += hprev[b * H + k]! * dhp[b * GH + j]!;
    }
}

/** dx_t = dxp Wx^T. */
function inputGrad({ B, F, GH }: Dims, g: CellGrads, t: number, Wx: Arr, dxp: Float64Array): void {
  for (let b = 0; b < B; b++)
    for (let f = 0; f < F; f++) {
      let s2 = 0;
      for (let j = 0; j < GH; j++) s2 += dxp[b * GH + j]! * Wx[f * GH + j]!;
      g.dx[(t * B + b) * F + f] = s2;
    }
}

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
  const G = gatesOf(cell),
    GH = G * H;
  const h = new Float64Array(T * B * H);
  const steps: CellRun['steps'] = [];
  let hprev = new Float64Array(B * H),
    cprev = new Float64Array(B * H);
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
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
    const hn = new Float64Array(B * H),
      cc = new Float64Array(B * H);
    const gates = new Float64Array(B * GH);
    for (let b = 0; b < B; b++)
      for (let j = 0; j < H; j++) {
        const q = b * GH;
        let out: number;
        if (cell === 'gru') {
          const r = act(ractId, xp[q + j]! + hp[q + j]!);
          const z = act(ractId, xp[q + H + j]! + hp[q + H + j]!);
          const n = act(actId, xp[q + 2 * H + j]! + r * hp[q + 2 * H + j]!);
          gates[q + j] = r;
          gates[q + H + j] = z;
          gates[q + 2 * H + j] = n;
          out = (1 - z) * n + z * hprev[b * H + j]!;
        } else if (cell === 'lstm') {
          const pre = (g: number) => xp[q + g * H + j]! + hp[q + g * H + j]!;
          const i = act(ractId, pre(0)),
            f = act(ractId, pre(1)),
            g = act(actId, pre(2)),
            o = act(ractId, pre(3));
          gates[q + j] = i;
          gates[q + H + j] = f;
          gates[q + 2 * H + j] = g;
          gates[q + 3 * H + j] = o;
          cc[b * H + j] = f * cprev[b * H + j]! + i * g;
          out = o * act(actId, cc[b * H + j]!);
        } else {
          out = act(actId, xp[q + j]! + hp[q + j]!);
        }
        hn[b * H + j] = out;
        h[(t * B + b) * H + j] = out;
      }
    steps.push({ t, vals: { hprev, cprev, hp, gates, h: hn, c: cc } });
    hprev = hn;
    cprev = cc;
  }
  return { h, steps };
}

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
  const G = gatesOf(cell),
    GH = G * H;
  const g: CellGrads = {
    dWx: new Float64Array(F * GH),
    dWh: new Float64Array(H * GH),
    dbx: new Float64Array(GH),
    dbh: new Float64Array(GH),
    dx: new Float64Array(T * B * F),
  };
  let dcarry = new Float64Array(B * H),
    dcc = new Float64Array(B * H);
  for (let s = T - 1; s >= 0; s--) {
    const { t, vals } = run.steps[s]!;
    const { hprev, cprev, hp, gates, c } = vals;
    const dxp = new Float64Array(B * GH),
      dhp = new Float64Array(B * GH);
    const ndc = new Float64Array(B * H),
      ndcc = new Float64Array(B * H);
    for (let b = 0; b < B; b++)
      for (let j = 0; j < H; j++) {
        const q = b * GH,
          d = dcarry[b * H + j]! + dh[(t * B + b) * H + j]!;
        if (cell === 'gru') {
          const r = gates[q + j]!,
            z = gates[q + H + j]!,
            n = gates[q + 2 * H + j]!;
          const dpn = d * (1 - z) * dact(actId, n);
          const dz = d * (hprev[b * H + j]! - n) * dact(ractId, z);
          const dr = dpn * hp[q + 2 * H + j]! * dact(ractId, r);
          ndc[b * H + j]! += d * z;
          dxp[q + j] = dr;
          dxp[q + H + j] = dz;
          dxp[q + 2 * H + j] = dpn;
          dhp[q + j] = dr;
          dhp[q + H + j] = dz;
          dhp[q + 2 * H + j] = dpn * r;
        } else if (cell === 'lstm') {
          const i = gates[q + j]!,
            f = gates[q + H + j]!,
            gg = gates[q + 2 * H + j]!,
            o = gates[q + 3 * H + j]!;
          const a = act(actId, c[b * H + j]!);
          const dc = dcc[b * H + j]! + d * o * dact(actId, a);
          ndcc[b * H + j] = dc * f;
          dxp[q + j] = dc * gg * dact(ractId, i);
          dxp[q + H + j] = dc * cprev[b * H + j]! * dact(ractId, f);
          dxp[q + 2 * H + j] = dc * i * dact(actId, gg);
          dxp[q + 3 * H + j] = d * a * dact(ractId, o);
          for (let k = 0; k < 4; k++) dhp[q + k * H + j] = dxp[q + k * H + j]!;
        } else {
          dxp[q + j] = d * dact(actId, vals.h[b * H + j]!);
          dhp[q + j] = dxp[q + j]!;
        }
      }
    for (let b = 0; b < B; b++)
      for (let k = 0; k < H; k++) {
        let s2 = 0;
        for (let j = 0; j < GH; j++) s2 += dhp[b * GH + j]! * w.Wh[k * GH + j]!;
        ndc[b * H + k]! += s2;
      }
    for (let b = 0; b < B; b++)
      for (let j = 0; j < GH; j++) {
        g.dbx[j]! += dxp[b * GH + j]!;
        g.dbh[j]! += dhp[b * GH + j]!;
        for (let f = 0; f < F; f++) g.dWx[f * GH + j]! += x[(t * B + b) * F + f]! * dxp[b * GH + j]!;
        for (let k = 0; k < H; k++) g.dWh[k * GH + j]! += hprev[b * H + k]! * dhp[b * GH + j]!;
      }
    for (let b = 0; b < B; b++)
      for (let f = 0; f < F; f++) {
        let s2 = 0;
        for (let j = 0; j < GH; j++) s2 += dxp[b * GH + j]! * w.Wx[f * GH + j]!;
        g.dx[(t * B + b) * F + f] = s2;
      }
    dcarry = ndc;
    dcc = ndcc;
  }
  return g;
}

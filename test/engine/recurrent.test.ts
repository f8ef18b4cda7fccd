// The fused recurrent layers against the plain float64 reference (src/engine/reference.ts):
// forward outputs, every weight gradient and dL/dx, on random and awkward shapes.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ACT } from '../../src/engine/index.js';
import * as ref from '../../src/engine/reference.js';
import { type ActivationName, gru, lstm, Rng, simpleRNN } from '../../src/nn/index.js';
import { runLayer } from '../helpers/layer.js';
import { randArray, worstRatio } from '../helpers/random.js';

const make = { gru, lstm, simple_rnn: simpleRNN };

function compare(
  cell: ref.Cell,
  T: number,
  B: number,
  F: number,
  H: number,
  opts: {
    act?: ActivationName;
    ract?: ActivationName;
    reverse?: boolean;
    /** returnSequences false: the layer outputs (and gets dL/dh for) the last processed state alone. */
    lastState?: boolean;
    noBias?: boolean;
    scale?: number;
    wscale?: number;
    seed: number;
  },
) {
  const rng = new Rng(opts.seed);
  const G = ref.gatesOf(cell),
    GH = G * H;
  const scale = opts.scale ?? 1,
    ws = opts.wscale ?? 0.5;
  const x = randArray(rng, T * B * F, scale);
  const w = {
    Wx: randArray(rng, F * GH, ws),
    Wh: randArray(rng, H * GH, ws),
    bx: opts.noBias ? new Float32Array(GH) : randArray(rng, GH, ws),
    bh: cell === 'gru' && !opts.noBias ? randArray(rng, GH, ws) : new Float32Array(GH),
  };
  const dh = randArray(rng, T * B * H, 1);
  // The last state alone: dL/dh is 0 at every other timestep (the first in time order when reversed).
  const tLast = opts.reverse ? 0 : T - 1;
  if (opts.lastState) {
    dh.fill(0, 0, tLast * B * H);
    dh.fill(0, (tLast + 1) * B * H);
  }
  const act = opts.act ?? 'tanh',
    ract = opts.ract ?? 'sigmoid';
  const layer = make[cell]({
    units: H,
    returnSequences: !opts.lastState,
    useBias: !opts.noBias,
    activation: act,
    recurrentActivation: ract,
    goBackwards: opts.reverse,
  });
  // goBackwards alone reverses the output order (Keras); the reference works in time order.
  const rev = (a: Float32Array | Float64Array) => {
    const o = new Float64Array(a.length);
    for (let t = 0; t < T; t++) o.set(a.subarray((T - 1 - t) * B * H, (T - t) * B * H), t * B * H);
    return o;
  };
  const dhLayer = opts.lastState
    ? dh.slice(tLast * B * H, (tLast + 1) * B * H)
    : opts.reverse
      ? Float32Array.from(rev(dh))
      : dh;
  const run = runLayer(
    layer,
    T,
    B,
    F,
    x,
    () => dhLayer,
    (s) => {
      const name = s.layers[0]!.name;
      const v: Record<string, Float32Array> = {
        [`${name}/kernel`]: w.Wx,
        [`${name}/recurrentKernel`]: w.Wh,
      };
      if (!opts.noBias) v[`${name}/bias`] = w.bx;
      if (cell === 'gru' && !opts.noBias) v[`${name}/recurrentBias`] = w.bh;
      s.setWeights(v);
    },
  );
  const a = ACT[act],
    ra = ACT[ract];
  const r = ref.cellForward(cell, T, B, F, H, x, w, a, ra, opts.reverse);
  const g = ref.cellBackward(cell, T, B, F, H, x, w, r, dh, a, ra);
  const what =
    `${cell} T=${T} B=${B} F=${F} H=${H} act=${act}/${ract} reverse=${!!opts.reverse} scale=${scale}` +
    ` lastState=${!!opts.lastState} noBias=${!!opts.noBias}`;
  const out = opts.reverse && !opts.lastState ? rev(run.out) : run.out;
  const want = opts.lastState ? r.h.subarray(tLast * B * H, (tLast + 1) * B * H) : r.h;
  const tol = (name: string, got: ArrayLike<number>, want: ArrayLike<number>, atol: number) => {
    const ratio = worstRatio(got, want, atol, 2e-3);
    assert.ok(ratio <= 1, `${what}: ${name} off by ${ratio.toFixed(2)}x the tolerance`);
  };
  tol('output', out, want, 1e-5);
  const gscale = Math.max(1, T * B * scale * 1e-3);
  tol('dKernel', run.grads.kernel!, g.dWx, 2e-4 * gscale);
  tol('dRecurrentKernel', run.grads.recurrentKernel!, g.dWh, 2e-4 * gscale);
  if (!opts.noBias) tol('dBias', run.grads.bias!, g.dbx, 2e-4 * gscale);
  if (cell === 'gru' && !opts.noBias) tol('dRecurrentBias', run.grads.recurrentBias!, g.dbh, 2e-4 * gscale);
  tol('dx', run.dx!, g.dx, 2e-4);
}

const cells: ref.Cell[] = ['gru', 'lstm', 'simple_rnn'];

test('recurrent layers match the reference on awkward shapes (sizes 1, odd sizes, T=1)', () => {
  let seed = 10;
  for (const cell of cells) {
    for (const [T, B, F, H] of [
      [1, 1, 1, 1],
      [1, 3, 2, 5],
      [4, 1, 1, 1],
      [7, 3, 5, 9],
      [5, 6, 8, 16],
      [3, 2, 3, 13],
    ] as const) {
      for (const reverse of [false, true]) compare(cell, T, B, F, H, { reverse, seed: seed++ });
    }
  }
});

test('recurrent layers match the reference returning the last state alone, without biases, and at T=2', () => {
  // LSTM and SimpleRNN over T >= 2 run stacked steps ([x_t | h_prev] [Wx; Wh]); an LSTM returning its last state
  // writes the earlier states straight into the next step's inputs. F*H a multiple of 4 (LSTM) or 16 (SimpleRNN)
  // takes [dWx; dWh] in one GEMM, other shapes two.
  let seed = 400;
  for (const cell of cells)
    for (const [T, B, F, H] of [
      [2, 1, 1, 1],
      [2, 5, 3, 7],
      [2, 4, 4, 4],
      [3, 3, 8, 16],
      [6, 2, 1, 33],
      [5, 7, 2, 8],
    ] as const)
      for (const reverse of [false, true])
        for (const [lastState, noBias] of [
          [true, false],
          [false, true],
          [true, true],
        ])
          compare(cell, T, B, F, H, { reverse, lastState, noBias, seed: seed++ });
});

test('recurrent layers match the reference on a long sequence (T=200)', () => {
  for (const cell of cells) compare(cell, 200, 2, 3, 6, { seed: 99, wscale: 0.3 });
});

test('recurrent layers match the reference with large input magnitudes (saturating gates)', () => {
  for (const cell of cells) compare(cell, 6, 3, 4, 7, { seed: 5, scale: 50 });
});

test('recurrent layers match the reference for every activation and recurrent activation', () => {
  const acts: ActivationName[] = ['linear', 'sigmoid', 'hard_sigmoid', 'tanh', 'relu', 'softsign', 'elu'];
  let seed = 200;
  for (const cell of cells)
    for (const act of acts) {
      compare(cell, 5, 3, 2, 6, {
        act,
        ract: cell === 'simple_rnn' ? 'sigmoid' : acts[(acts.indexOf(act) + 3) % acts.length],
        seed: seed++,
        wscale: 0.4,
      });
    }
});

test('gradients carried back through a long sequence never reach the subnormal range (flushed below 1e-30)', () => {
  const subnormal = (a: Float32Array) => a.some((v) => v !== 0 && Math.abs(v) < 1.1754944e-38);
  const T = 400,
    B = 4,
    F = 3,
    H = 8;
  for (const cell of ['gru', 'lstm', 'simple_rnn'] as const) {
    const rng = new Rng(5);
    const x = randArray(rng, T * B * F, 1);
    const layer = make[cell]({ units: H, returnSequences: true });
    // Weak recurrent weights: the gradient from the last step shrinks by ~10x per step going back.
    const run = runLayer(
      layer,
      T,
      B,
      F,
      x,
      (out) => {
        const dy = new Float32Array(out.length);
        dy.fill(1, (T - 1) * B * H);
        return dy;
      },
      (s) => {
        const name = s.layers[0]!.name,
          G = ref.gatesOf(cell) * H;
        s.setWeights({
          [`${name}/kernel`]: randArray(rng, F * G, 0.02),
          [`${name}/recurrentKernel`]: randArray(rng, H * G, 0.02),
        });
      },
    );
    assert.ok(!subnormal(run.dx!), `${cell}: dL/dx has subnormal values`);
    for (const [k, g] of Object.entries(run.grads))
      assert.ok(!subnormal(g), `${cell}: ${k} gradient has subnormal values`);
    assert.ok(
      run.dx!.subarray((T - 1) * B * F).some((v) => v !== 0),
      `${cell}: the last step still gets its gradient`,
    );
    assert.ok(
      run.dx!.subarray(0, B * F).every((v) => v === 0),
      `${cell}: the first step's vanishing gradient is exactly 0`,
    );
  }
});
